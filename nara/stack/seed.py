"""`nara seed --tenders N`: a national-size catalogue of tenders, written with COPY.

Titles come from real item and place vocabularies ("서울특별시 강남구 도로포장 공사",
"사무용 복합기 구매"), agencies are districts, education offices and national bodies, and
deadlines pile up at 10:00 and 11:00 KST as they do in the real system. The rows are
catalogue rows (`tender.catalogue = true`): no workflow stands behind them, bidding is
closed on every one of them (a bid is refused as for any tender not open for bidding),
the hourly deadline capacity and the weekly report do not count them, and their notice
numbers come from `notice_seq` like any other, so no announcement can collide with one.
"""

from __future__ import annotations

import json
import random
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import psycopg

from nara.domain.calendar import SEOUL
from nara.domain.enums import AgencyKind, Category, Method, Phase, Role

T = TypeVar("T")

CATALOGUE_OFFICER = "catalogue-officer"
CHUNK = 20_000
TRIGRAM_INDEX = (  # as migration 0010 makes it
    "CREATE INDEX IF NOT EXISTS ix_tender_search_jamo ON tender "
    "USING gin (search_jamo gin_trgm_ops, region, category, phase)"
)

PLACES: dict[str, tuple[str, ...]] = {
    "서울특별시": (
        "강남구",
        "서초구",
        "송파구",
        "마포구",
        "종로구",
        "노원구",
        "관악구",
        "영등포구",
    ),
    "부산광역시": ("해운대구", "사하구", "동래구", "부산진구"),
    "대구광역시": ("수성구", "달서구", "북구"),
    "인천광역시": ("연수구", "남동구", "부평구"),
    "광주광역시": ("북구", "광산구"),
    "대전광역시": ("유성구", "서구"),
    "울산광역시": ("남구", "울주군"),
    "세종특별자치시": ("",),
    "경기도": ("수원시", "성남시", "고양시", "용인시", "화성시", "파주시"),
    "강원특별자치도": ("춘천시", "원주시", "강릉시"),
    "충청북도": ("청주시", "충주시"),
    "충청남도": ("천안시", "아산시", "공주시"),
    "전북특별자치도": ("전주시", "군산시"),
    "전라남도": ("여수시", "순천시", "목포시"),
    "경상북도": ("포항시", "경주시", "구미시"),
    "경상남도": ("창원시", "김해시", "진주시"),
    "제주특별자치도": ("제주시", "서귀포시"),
}

NATIONAL_AGENCIES = (
    "조달청",
    "한국도로공사",
    "한국토지주택공사",
    "한국수자원공사",
    "국토교통부 서울지방국토관리청",
    "국립공원공단",
    "한국철도공사",
    "국방부 국군재정관리단",
    "해양수산부 부산지방해양수산청",
    "한국전력공사",
)

# Item names with the parts an announcement lists (the description).
ITEMS: dict[Category, tuple[tuple[str, str], ...]] = {
    Category.CONSTRUCTION: (
        ("도로포장 공사", "아스팔트 콘크리트 포장, 보조기층, 차선도색"),
        ("하수관로 정비공사", "하수관 교체, 맨홀 설치, 배수설비"),
        ("보도블록 교체공사", "보도블록, 경계석, 점자블록"),
        ("교량 보수보강공사", "교량 받침 교체, 신축이음, 단면보수"),
        ("상수도관 교체공사", "상수도관, 제수밸브, 소화전"),
        ("소하천 정비공사", "호안블록, 제방 축조, 준설"),
        ("학교 외벽 도장공사", "외벽 도장, 방수, 비계"),
        ("청사 방수공사", "옥상 방수, 우레탄 도막"),
        ("가로등 설치공사", "LED 가로등, 전선관, 분전함"),
        ("어린이공원 조성공사", "놀이시설, 탄성포장, 조경수"),
        ("공영주차장 조성공사", "주차면 포장, 차단기, CCTV"),
        ("어린이보호구역 개선공사", "과속방지턱, 미끄럼방지 포장, 안전펜스"),
        ("경로당 신축공사", "철근콘크리트, 창호, 전기설비"),
        ("체육관 리모델링 공사", "마루 교체, 조명, 냉난방기"),
        ("재해위험지구 정비사업", "사방댐, 배수로, 옹벽"),
    ),
    Category.GOODS: (
        ("사무용 복합기 구매", "복합기, 토너, 설치"),
        ("노트북 컴퓨터 구매", "노트북, 운영체제, 가방"),
        ("데스크톱 컴퓨터 구매", "데스크톱, 모니터, 키보드"),
        ("사무용 의자 구매", "사무용 의자, 회의용 의자"),
        ("전기버스 구매", "저상 전기버스, 충전기"),
        ("소방펌프차 구매", "소방펌프차, 소방호스"),
        ("제설제 구매", "염화칼슘, 친환경 제설제"),
        ("방역 소독약품 구매", "소독약품, 분무기"),
        ("교육용 태블릿 구매", "태블릿, 충전보관함"),
        ("CCTV 카메라 구매", "CCTV 카메라, 영상저장장치"),
        ("교실 책걸상 구매", "학생용 책상, 의자"),
        ("급식실 조리기구 구매", "회전식 국솥, 식기세척기"),
        ("LED 조명기구 구매", "LED 등기구, 안정기"),
        ("구급차 구매", "특수구급차, 의료장비"),
    ),
    Category.SERVICES: (
        ("청사 시설관리 용역", "전기, 기계, 소방 시설관리"),
        ("청소 용역", "청사 청소, 화장실 위생관리"),
        ("정보시스템 유지관리 용역", "서버, 네트워크, 응용프로그램 유지보수"),
        ("홈페이지 구축 용역", "웹 접근성, 반응형 홈페이지"),
        ("생활폐기물 수집운반 용역", "생활폐기물, 음식물류 폐기물"),
        ("가로수 전지 용역", "가로수 가지치기, 병해충 방제"),
        ("교통량 조사 용역", "교차로 교통량, 보행량 조사"),
        ("실시설계 용역", "측량, 지반조사, 실시설계"),
        ("타당성 조사 용역", "경제성 분석, 정책성 분석"),
        ("학교급식 위탁 용역", "식재료, 조리, 배식"),
        ("통학버스 운행 용역", "통학버스, 운전원"),
        ("시설물 정밀안전점검 용역", "정밀안전점검, 보수보강 방안"),
    ),
}

_CATEGORY_WEIGHTS = (
    (Category.CONSTRUCTION, 0.4),
    (Category.GOODS, 0.35),
    (Category.SERVICES, 0.25),
)
_METHOD_WEIGHTS = (
    (Method.GENERAL, 0.62),
    (Method.LIMITED, 0.25),
    (Method.DESIGNATED, 0.03),
    (Method.NEGOTIATED, 0.05),
    (Method.PRIVATE, 0.05),
)
_PRICES = {  # KRW, log-uniform within
    Category.CONSTRUCTION: (50_000_000, 30_000_000_000),
    Category.GOODS: (3_000_000, 2_000_000_000),
    Category.SERVICES: (10_000_000, 3_000_000_000),
}
_PAST_PHASES = (
    (Phase.CLOSED, 0.02),
    (Phase.OPENED, 0.03),
    (Phase.EVALUATING, 0.05),
    (Phase.AWARDED, 0.05),
    (Phase.CONTRACTED, 0.35),
    (Phase.PAYING, 0.15),
    (Phase.COMPLETED, 0.25),
    (Phase.FAILED, 0.07),
    (Phase.CANCELLED, 0.03),
)
COLUMNS = (
    "id, notice_no, base_no, round, workflow_id, agency_code, officer_id, title, description, "
    "category, method, agency_kind, region, urgent, a_value_items, sme_competitive, "
    "estimated_price, base_amount, announced_at, deadline, opening_at, bidding_open, phase, "
    "catalogue, search_key, search_jamo"
)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: AgencyKind
    region: str | None


def agencies() -> list[Agency]:
    """The catalogue's agencies: every district office, education office and national body."""
    found: list[Agency] = []
    for province, districts in PLACES.items():
        found.append(Agency(f"C{len(found):06d}", f"{province}교육청", AgencyKind.LOCAL, province))
        found.append(Agency(f"C{len(found):06d}", province, AgencyKind.LOCAL, province))
        for district in filter(None, districts):
            name = f"{province} {district}"
            found.append(Agency(f"C{len(found):06d}", name, AgencyKind.LOCAL, province))
    for name in NATIONAL_AGENCIES:
        found.append(Agency(f"C{len(found):06d}", name, AgencyKind.NATIONAL, None))
    return found


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _deadline(rng: random.Random, now: datetime) -> datetime:
    """A deadline from 60 days ago to 30 days ahead, mostly at 10:00 or 11:00 KST."""
    day = (now + timedelta(days=rng.randint(-60, 30))).astimezone(SEOUL).date()
    hour = rng.choice((10, 10, 10, 11, 11, 11, 11, 14, 15, 16, 17, 9))
    return datetime(day.year, day.month, day.day, hour, tzinfo=SEOUL).astimezone(UTC)


def _text(value: object) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def rows(
    rng: random.Random,
    sequences: list[int],
    catalogue: list[Agency],
    now: datetime,
    *,
    keys: bool,
) -> Iterator[str]:
    """COPY text lines of catalogue tenders, one per notice sequence number; with `keys`,
    their search columns too (else empty: the trigger computes them)."""
    year = now.astimezone(SEOUL).year
    for sequence in sequences:
        agency = rng.choice(catalogue)
        category = _pick(rng, _CATEGORY_WEIGHTS)
        item, parts = rng.choice(ITEMS[category])
        place = agency.name if agency.kind is AgencyKind.LOCAL else rng.choice(list(PLACES))
        title = f"{place} {item}" if rng.random() < 0.7 else f"{year}년 {item}"
        low, high = _PRICES[category]
        price = round(low * (high / low) ** rng.random(), -3)
        deadline = _deadline(rng, now)
        announced = min(deadline - timedelta(days=rng.randint(7, 40)), now)
        phase = Phase.BIDDING if deadline > now else _pick(rng, _PAST_PHASES)
        notice = f"{year}{sequence:07d}"
        description = f"품목: {parts}"
        key = search_key(f"{title} {agency.name} {description}") if keys else ""
        yield "\t".join(
            _text(v)
            for v in (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                f"{notice}-00",
                notice,
                0,
                f"tender-{notice}-00",
                agency.code,
                CATALOGUE_OFFICER,
                title,
                description,
                category.value,
                _pick(rng, _METHOD_WEIGHTS).value,
                agency.kind.value,
                agency.region or rng.choice(list(PLACES)),
                rng.random() < 0.05,
                json.dumps({}),
                category is Category.GOODS and rng.random() < 0.3,
                int(price),
                int(price),
                announced,
                deadline,
                deadline + timedelta(hours=1),
                False,
                phase.value,
                True,
                key,
                unicodedata.normalize("NFD", key),
            )
        )


def search_key(words: str) -> str:
    """`nara_search_key` in Python: NFKC, no spaces or punctuation, lower case."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFKC", words)
        if not (ch.isspace() or unicodedata.category(ch)[0] in "PS")
    )
    return "".join(kept).lower()


def _keys_agree(conn: psycopg.Connection, catalogue: list[Agency]) -> bool:
    """Whether `search_key` and NFD spell every catalogue word as the database does (under
    a C ctype it spells letters otherwise: then the trigger computes them, slower)."""
    words = [a.name for a in catalogue] + list(PLACES) + ["2026년", "품목: "]
    words += [w for items in ITEMS.values() for pair in items for w in pair]
    found = conn.execute(
        "SELECT nara_search_key(w), nara_search_jamo(nara_search_key(w)) FROM unnest(%s::text[]) w",
        (words,),
    ).fetchall()
    ours = [(search_key(w), unicodedata.normalize("NFD", search_key(w))) for w in words]
    return [tuple(row) for row in found] == ours


def prepare(conn: psycopg.Connection) -> list[Agency]:
    """The catalogue's agencies and its officer, added once (idempotent)."""
    catalogue = agencies()
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO agency (code, name, kind) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            [(a.code, a.name, a.kind.value) for a in catalogue],
        )
        cur.execute(
            "INSERT INTO person (id, name, role) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (CATALOGUE_OFFICER, "Catalogue officer (nara seed; no login)", Role.OFFICER.value),
        )
    conn.commit()
    return catalogue


def seed(
    url: str,
    tenders: int,
    *,
    seed_value: int = 1,
    progress: Callable[[int], None] = lambda n: None,
    analyze: bool = True,
    rebuild_index: bool = False,
) -> None:
    """Write `tenders` catalogue tenders on the database at `url` (psycopg URL), by COPY.

    `rebuild_index` drops the trigram index for the load and builds it again at the end
    (several times faster for a large load; keyword search is slow meanwhile): for a
    database nobody searches yet, such as the benchmark's.
    """
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")  # a lost last chunk is just re-seeded
        catalogue = prepare(conn)
        keys = _keys_agree(conn, catalogue)
        if rebuild_index:
            conn.execute("DROP INDEX IF EXISTS ix_tender_search_jamo")
            conn.commit()
        left = tenders
        while left > 0:
            n = min(CHUNK, left)
            with conn.cursor() as cur:
                cur.execute("SELECT nextval('notice_seq') FROM generate_series(1, %s)", (n,))
                sequences = [int(r[0]) for r in cur.fetchall()]
                with cur.copy(f"COPY tender ({COLUMNS}) FROM STDIN") as copy:
                    copy.write("\n".join(rows(rng, sequences, catalogue, now, keys=keys)) + "\n")
            conn.commit()
            left -= n
            progress(n)
        if rebuild_index:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(TRIGRAM_INDEX)
            conn.commit()
        if analyze:
            conn.execute("ANALYZE tender")
            conn.commit()
