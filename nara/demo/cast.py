"""The agencies, businesses and people the demo registers, and their bank accounts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from nara.demo.api import Api, DemoError
from nara.demo.partners import Bank
from nara.domain.identifiers import business_no_check_digit

AGENCIES = (  # code, name, kind
    ("1230000", "Public Procurement Service", "national"),
    ("1613000", "Ministry of Land, Infrastructure and Transport", "national"),
    ("6110000", "Seoul Metropolitan Government", "local"),
    ("6260000", "Busan Metropolitan City", "local"),
    ("7530000", "Gyeonggi Office of Education", "local"),
)
BUSINESSES = (
    "Hanbit Construction",
    "Saebyeok Engineering",
    "Daon Office Supply",
    "Nuri Systems",
    "Mirae Facilities",
    "Haneul Civil Works",
    "Gaon Logistics",
    "Baram Electric",
    "Sarang Furniture",
    "Dasom IT Services",
    "Hyeonmu Steel",
    "Bitna Cleaning",
)
OPERATOR = "operator-demo"
REGISTERING_AT_ONCE = 8  # businesses registered side by side (the replay has hundreds)
AGENCY_BALANCE = 10**15  # agencies never run short; businesses start at zero


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str

    @property
    def officer(self) -> str:
        return f"officer-{self.code}"

    @property
    def inspector(self) -> str:
        return f"inspector-{self.code}"

    @property
    def account(self) -> str:
        return f"AG-{self.code}"


@dataclass(frozen=True)
class Business:
    no: str
    name: str

    @property
    def agent(self) -> str:
        return f"agent-{self.no.replace('-', '')}"

    @property
    def account(self) -> str:
        return f"BZ-{self.no.replace('-', '')}"


@dataclass(frozen=True)
class Cast:
    """Everyone who takes part in the week."""

    agencies: list[Agency]
    businesses: list[Business]

    @classmethod
    def default(cls) -> Cast:
        return cls(
            agencies=[Agency(*row) for row in AGENCIES],
            businesses=[Business(business_no(i), name) for i, name in enumerate(BUSINESSES)],
        )

    def business(self, business_no: str) -> Business:
        return next(b for b in self.businesses if b.no == business_no)


def business_no(i: int) -> str:
    """The i-th demo business registration number, with a valid check digit."""
    first9 = f"{211 + 37 * i:03d}81{10_007 + 7_919 * i:05d}"[:9]
    digits = first9 + str(business_no_check_digit(first9))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


async def register(cast: Cast, *, api: Api, bank: Bank, operator: str = OPERATOR) -> None:
    """The operator logs in and registers agencies, their officers and inspectors,
    businesses and agents; everyone logs in; agents enrol a passkey; the bank opens their
    accounts."""
    try:
        await api.login(operator)
    except DemoError as error:
        raise DemoError(
            f"{error}. The demo's operator is registered from the console: `nara people add "
            f"--role operator --id {operator} --name 'Demo operator'` (`nara dev` and "
            "`nara demo` do this)"
        ) from error
    for agency in cast.agencies:
        await _register_agency(agency, api=api, bank=bank, operator=operator)
    gate = asyncio.Semaphore(REGISTERING_AT_ONCE)

    async def one(business: Business) -> None:
        async with gate:
            await _register_business(business, api=api, bank=bank, operator=operator)

    await asyncio.gather(*(one(b) for b in cast.businesses))


async def _register_agency(agency: Agency, *, api: Api, bank: Bank, operator: str) -> None:
    await api.call(
        "POST",
        "/agencies",
        person=operator,
        json={
            "code": agency.code,
            "name": agency.name,
            "kind": agency.kind,
            "account_no": agency.account,
        },
    )
    for person, role in ((agency.officer, "officer"), (agency.inspector, "inspector")):
        await api.call(
            "POST",
            "/people",
            person=operator,
            json={
                "id": person,
                "name": f"{role.title()} of {agency.name}",
                "role": role,
                "agency_code": agency.code,
            },
        )
        await api.login(person)
    await bank.open_account(agency.account, agency.code, AGENCY_BALANCE)


async def _register_business(business: Business, *, api: Api, bank: Bank, operator: str) -> None:
    await api.call(
        "POST",
        "/businesses",
        person=operator,
        json={
            "business_no": business.no,
            "name": business.name,
            "account_no": business.account,
        },
    )
    await api.call(
        "POST",
        "/people",
        person=operator,
        json={"id": business.agent, "name": f"Agent of {business.name}", "role": "supplier"},
    )
    await api.call(
        "POST",
        f"/businesses/{business.no}/agents",
        person=operator,
        json={"person_id": business.agent},
    )
    # A business-use certificate: bound to the business's registration number.
    await api.login(business.agent, business_no=business.no)
    await api.enrol_passkey(business.agent)
    await bank.open_account(business.account, business.no, 0)
