"""A little data for the fuzzer to find: entered through the API of the running server.

Two customers with a project and a task each, two employees, rate rules, a few
bookings and supplies, orders generated from part of them (so there are billed
and unbilled sources, orders with lines) and one manual order. The global ids
are what the fuzzer's ID strategy picks from, beside ids that exist nowhere.
"""

from __future__ import annotations

from typing import Any

import httpx

SETUP = """mutation {
  acme: createCustomer(input: {code: "ACME", name: "Acme Bouw B.V."}) {
    customer { id } errors { code } }
  delta: createCustomer(input: {code: "DELTA", name: "Delta Logistiek", language: EN}) {
    customer { id } errors { code } }
  anna: createEmployee(input: {code: "ANNA", name: "Anna de Vries"}) {
    employee { id } errors { code } }
  bram: createEmployee(input: {code: "BRAM", name: "Bram Jansen"}) {
    employee { id } errors { code } }
  createRateRule(input: {rate: "85.00"}) { rateRule { id } errors { code } }
}"""
PROJECT = """mutation($customerId: ID!, $code: String!) {
  createProject(input: {customerId: $customerId, code: $code, name: "Advies"}) {
    project { id } errors { code } }
}"""
TASK = """mutation($projectId: ID!) {
  createTask(input: {projectId: $projectId, code: "ADV", name: "Advies", itemCode: "ADV"}) {
    task { id } errors { code } }
}"""
RATE = """mutation($customerId: ID!, $employeeId: ID!) {
  createRateRule(input: {rate: "97.50", customerId: $customerId, employeeId: $employeeId}) {
    rateRule { id } errors { code } }
}"""
BOOKING = """mutation($employeeId: ID!, $customerId: ID!, $projectId: ID!, $taskId: ID!,
                   $date: Date!, $hours: Decimal!) {
  recordBooking(input: {employeeId: $employeeId, customerId: $customerId, projectId: $projectId,
                        taskId: $taskId, date: $date, hours: $hours, description: "Overleg"}) {
    booking { id } errors { code } }
}"""
SUPPLY = """mutation($customerId: ID!, $date: Date!) {
  recordSupply(input: {customerId: $customerId, date: $date, itemCode: "KM",
                       quantity: "42", unitPrice: "0.23", vatCode: "21", unit: "km"}) {
    supply { id } errors { code } }
}"""
GENERATE = """mutation {
  generateOrders(input: {periodStart: "2026-03-01", periodEnd: "2026-03-31"}) {
    orders { id lines { id } } errors { code } }
}"""
MANUAL_ORDER = """mutation($customerId: ID!) {
  createOrder(input: {customerId: $customerId, description: "Licenties", reference: "PO-7"}) {
    order { id } errors { code } }
}"""


class SeedError(AssertionError):
    pass


def call(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    body = http.post("/graphql", json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise SeedError(body["errors"])
    data: dict[str, Any] = body["data"]
    for payload in data.values():
        if payload["errors"]:
            raise SeedError(payload["errors"])
    return data


def seed(http: httpx.Client) -> list[str]:
    """Enter the data; the global ids of everything made."""
    made = call(http, SETUP)
    customers = [made["acme"]["customer"]["id"], made["delta"]["customer"]["id"]]
    employees = [made["anna"]["employee"]["id"], made["bram"]["employee"]["id"]]
    ids = [*customers, *employees, made["createRateRule"]["rateRule"]["id"]]
    for number, (customer, employee) in enumerate(zip(customers, employees, strict=True)):
        project = call(http, PROJECT, customerId=customer, code=f"P{number}")
        project_id = project["createProject"]["project"]["id"]
        task_id = call(http, TASK, projectId=project_id)["createTask"]["task"]["id"]
        rate = call(http, RATE, customerId=customer, employeeId=employee)
        ids += [project_id, task_id, rate["createRateRule"]["rateRule"]["id"]]
        for date, hours in [("2026-03-02", "8"), ("2026-03-03", "4.5"), ("2026-04-01", "6")]:
            booking = call(
                http,
                BOOKING,
                employeeId=employee,
                customerId=customer,
                projectId=project_id,
                taskId=task_id,
                date=date,
                hours=hours,
            )
            ids.append(booking["recordBooking"]["booking"]["id"])
        for date in ["2026-03-04", "2026-04-02"]:
            ids.append(
                call(http, SUPPLY, customerId=customer, date=date)["recordSupply"]["supply"]["id"]
            )
    for order in call(http, GENERATE)["generateOrders"]["orders"]:
        ids += [order["id"], *(line["id"] for line in order["lines"])]
    ids.append(call(http, MANUAL_ORDER, customerId=customers[0])["createOrder"]["order"]["id"])
    return ids
