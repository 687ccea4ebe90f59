"""Signs of lent certificates (`nara.domain.signals.shared_traces`): competing bids of one
tender that share a passkey, a certificate, an address or the agent who sent them."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from nara.domain.signals import BidTraces, Signal, Trace, normal_address, shared_traces

FINGERPRINT = "9f" * 32


def test_a_broker_with_three_lent_certificates_is_seen_by_passkey_and_address() -> None:
    # One desk (10.1.1.7) and one passkey sent the bids of B02, B03 and B05, each logged
    # in with that business's own lent certificate; B01 and B04 bid on their own.
    bids = [
        BidTraces("B01", "agent-1", "cred-1", "a1" * 32, "203.0.113.5"),
        BidTraces("B02", "agent-2", "cred-x", "b2" * 32, "10.1.1.7"),
        BidTraces("B03", "agent-3", "cred-x", "b3" * 32, "10.1.1.7"),
        BidTraces("B04", "agent-4", "cred-4", "a4" * 32, "198.51.100.9"),
        BidTraces("B05", "agent-5", "cred-x", "b5" * 32, "::ffff:10.1.1.7"),
    ]
    assert shared_traces(bids) == (
        Signal(Trace.PASSKEY, "cred-x", ("B02", "B03", "B05")),
        Signal(Trace.ADDRESS, "10.1.1.7", ("B02", "B03", "B05")),
    )
    assert [s.describe() for s in shared_traces(bids)] == [
        "passkey cred-x confirmed bids for 3 competing businesses",
        "address 10.1.1.7 sent bids for 3 competing businesses",
    ]


def test_a_shared_certificate_is_named_by_its_fingerprint() -> None:
    bids = [
        BidTraces("B01", certificate_fingerprint=FINGERPRINT),
        BidTraces("B02", certificate_fingerprint=FINGERPRINT.upper()),
    ]
    (signal,) = shared_traces(bids)
    assert (signal.trace, signal.value, signal.business_nos) == (
        Trace.CERTIFICATE,
        FINGERPRINT,
        ("B01", "B02"),
    )
    assert signal.describe() == (
        f"certificate {FINGERPRINT[:16]} was used for bids of 2 competing businesses"
    )
    assert Signal.from_dict(signal.as_dict()) == signal


def test_bids_sent_without_records_are_never_flagged() -> None:
    assert shared_traces([BidTraces("B01"), BidTraces("B02"), BidTraces("B03")]) == ()
    assert shared_traces([BidTraces("B01", client_address=""), BidTraces("B02")]) == ()


def test_addresses_are_compared_in_one_spelling() -> None:
    assert normal_address("::FFFF:192.0.2.1") == "192.0.2.1"
    assert normal_address("2001:DB8:0:0::1") == "2001:db8::1"
    assert normal_address(" 192.0.2.1 ") == "192.0.2.1"
    assert normal_address("unix-socket") == "unix-socket"
    assert normal_address(None) is None


# ---- properties ----------------------------------------------------------------------

_values = st.one_of(st.none(), st.sampled_from(["v1", "v2", "v3"]))
_bids = st.lists(
    st.builds(
        BidTraces,
        business_no=st.sampled_from([f"B{n:02d}" for n in range(8)]),
        agent_id=_values,
        passkey_credential_id=_values,
        certificate_fingerprint=_values,
        client_address=st.one_of(
            st.none(), st.sampled_from(["10.0.0.1", "::ffff:10.0.0.1", "10.0.0.2"])
        ),
    ),
    max_size=10,
)


@given(_bids)
def test_every_signal_names_two_or_more_businesses_that_hold_its_value(
    bids: list[BidTraces],
) -> None:
    for signal in shared_traces(bids):
        assert len(signal.business_nos) >= 2
        assert list(signal.business_nos) == sorted(set(signal.business_nos))
        holders = {b.business_no for b in bids if b.value(signal.trace) == signal.value}
        assert set(signal.business_nos) == holders


@given(_bids)
def test_every_pair_of_competitors_sharing_a_value_is_flagged(bids: list[BidTraces]) -> None:
    signals = shared_traces(bids)
    for first, second in itertools.combinations(bids, 2):
        if first.business_no == second.business_no:
            continue  # the same business: no competition
        for trace in Trace:
            value = first.value(trace)
            if value is not None and value == second.value(trace):
                assert any(
                    s.trace is trace
                    and s.value == value
                    and {first.business_no, second.business_no} <= set(s.business_nos)
                    for s in signals
                ), (trace, value, first, second)


@given(_bids, st.randoms(use_true_random=False))
def test_the_order_of_the_bids_does_not_matter(bids: list[BidTraces], rnd: random.Random) -> None:
    shuffled = list(bids)
    rnd.shuffle(shuffled)
    assert shared_traces(shuffled) == shared_traces(bids)
    keys = [(list(Trace).index(s.trace), s.value) for s in shared_traces(bids)]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=12))
def test_bids_that_share_nothing_raise_no_signal(values: list[str]) -> None:
    bids = [
        BidTraces(f"B{n:02d}", f"agent-{v}", f"cred-{v}", f"fp-{v}", f"host-{v}")
        for n, v in enumerate(values)
    ]
    assert shared_traces(bids) == ()


@given(st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=12))
def test_one_agent_sending_several_businesses_bids_is_named_with_the_count(
    agents: list[str],
) -> None:
    bids = [BidTraces(f"B{n:02d}", agent_id=agent) for n, agent in enumerate(agents)]
    counts = Counter(agents)
    assert tuple(s.describe() for s in shared_traces(bids)) == tuple(
        f"agent {a} submitted bids for {counts[a]} competing businesses"
        for a in sorted(counts)
        if counts[a] > 1
    )
