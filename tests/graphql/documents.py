"""The GraphQL documents the tests send, one per operation."""

from __future__ import annotations

ERRORS = "errors { field message code }"

CUSTOMER = "id code name vatNumber email addressLine postcode city country language vatCode"
BOOKING = (
    "id date hours description billable rate billed orderLineId"
    " employee { id name } customer { id code } project { id code } task { id code }"
)
SUPPLY = (
    "id date itemCode description quantity unit unitPrice vatCode billed orderLineId"
    " customer { id code }"
)
LINE = (
    "id position kind description quantity unit unitPrice discountPercent itemCode vatCode"
    " vatRate amount bookingCount supplyCount"
    " bookings { hours rate amount booking { id hours } }"
    " supplies { quantity unitPrice amount supply { id itemCode } }"
)
ORDER = (
    "id number status orderDate description reference periodStart periodEnd"
    " subtotal vatTotal total bookingCount supplyCount"
    " vat { vatCode rate base amount } customer { id code name }"
    f" lines {{ {LINE} }}"
)


def mutation(name: str, input_type: str, selection: str) -> str:
    return (
        f"mutation Run($input: {input_type}!) "
        f"{{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    )


CREATE_CUSTOMER = mutation("createCustomer", "CreateCustomerInput", f"customer {{ {CUSTOMER} }}")
UPDATE_CUSTOMER = mutation("updateCustomer", "UpdateCustomerInput", f"customer {{ {CUSTOMER} }}")
DELETE_CUSTOMER = mutation("deleteCustomer", "DeleteCustomerInput", "deletedId")

CREATE_EMPLOYEE = mutation("createEmployee", "CreateEmployeeInput", "employee { id code name }")
CREATE_PROJECT = mutation(
    "createProject", "CreateProjectInput", "project { id code name customer { id code } }"
)
CREATE_TASK = mutation(
    "createTask", "CreateTaskInput", "task { id code name itemCode project { id code } }"
)
CREATE_RATE_RULE = mutation(
    "createRateRule",
    "CreateRateRuleInput",
    "rateRule { id rate customer { id } project { id } employee { id } }",
)
DELETE_RATE_RULE = mutation("deleteRateRule", "DeleteRateRuleInput", "deletedId")
SAVE_VAT_CODE = mutation(
    "saveVatCode", "SaveVatCodeInput", "vatCode { code description percentage }"
)
UPDATE_INVOICING_SETTINGS = mutation(
    "updateInvoicingSettings",
    "UpdateInvoicingSettingsInput",
    "invoicingSettings { defaultVatCode hoursItemCode }",
)

RECORD_BOOKING = mutation("recordBooking", "RecordBookingInput", f"booking {{ {BOOKING} }}")
UPDATE_BOOKING = mutation("updateBooking", "UpdateBookingInput", f"booking {{ {BOOKING} }}")
DELETE_BOOKING = mutation("deleteBooking", "DeleteBookingInput", "deletedId")
RECORD_SUPPLY = mutation("recordSupply", "RecordSupplyInput", f"supply {{ {SUPPLY} }}")
UPDATE_SUPPLY = mutation("updateSupply", "UpdateSupplyInput", f"supply {{ {SUPPLY} }}")
DELETE_SUPPLY = mutation("deleteSupply", "DeleteSupplyInput", "deletedId")

PREVIEW = mutation(
    "previewOrderGeneration",
    "GenerateOrdersInput",
    "preview { orderCount bookingCount supplyCount subtotal vatTotal total"
    " orders { orderDate description periodStart periodEnd subtotal vatTotal total"
    " bookingCount supplyCount customer { id code } vat { vatCode rate base amount }"
    " lines { position kind description quantity unit unitPrice amount vatCode vatRate"
    " bookingCount supplyCount bookings { hours rate amount booking { id } }"
    " supplies { quantity unitPrice amount supply { id } } } } }",
)
GENERATE = mutation(
    "generateOrders", "GenerateOrdersInput", f"bookingCount supplyCount orders {{ {ORDER} }}"
)
CREATE_ORDER = mutation("createOrder", "CreateOrderInput", f"order {{ {ORDER} }}")
UPDATE_ORDER = mutation("updateOrder", "UpdateOrderInput", f"order {{ {ORDER} }}")
ADD_ORDER_LINE = mutation("addOrderLine", "AddOrderLineInput", f"order {{ {ORDER} }}")
UPDATE_ORDER_LINE = mutation("updateOrderLine", "UpdateOrderLineInput", f"order {{ {ORDER} }}")
DELETE_ORDER_LINE = mutation("deleteOrderLine", "DeleteOrderLineInput", f"order {{ {ORDER} }}")
DELETE_ORDERS = mutation("deleteOrders", "DeleteOrdersInput", "deletedOrderIds")
MERGE_ORDERS = mutation("mergeOrders", "MergeOrdersInput", f"order {{ {ORDER} }}")

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Customer { code }
    ... on Employee { name }
    ... on Project { code }
    ... on Task { code }
    ... on Booking { hours }
    ... on Supply { itemCode }
    ... on Order { number }
    ... on RateRule { rate }
  }
}
"""
