"""Printed documents: the `DocumentRenderer` port laid out as PDF with fpdf2 (ADR 0017)."""
