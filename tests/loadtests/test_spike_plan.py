"""The spike's day (loadtests.spike.plan.roles): the shape the scenario promises."""

from __future__ import annotations

from loadtests.spike.plan import GUARD_S, Settings, roles


def test_the_day_has_a_quiet_start_a_peak_late_arrivals_and_few_large_bids() -> None:
    settings = Settings(bidders=400)
    day = roles(settings)
    on_time = [r for r in day if not r.late]
    late = [r for r in day if r.late]
    assert len(day) == 400
    assert len(late) == 20 and all(GUARD_S < r.first < settings.tail_s for r in late)
    assert all(r.first < -GUARD_S for r in on_time)  # never racing the deadline by design
    peak = [r for r in on_time if r.first >= -settings.peak_s]
    quiet = [r for r in on_time if r.first < -settings.lead_s * 0.75]
    assert len(peak) > len(on_time) / 2 and 0 < len(quiet) < len(on_time) / 5
    large = [r for r in day if r.size > settings.small_bytes]
    assert len(large) == settings.large
    assert all(10_000_000 <= r.size <= 50_000_000 for r in large)
    assert all(r.first < -settings.peak_s / 2 for r in large)  # done well before the deadline
    replaced = [r for r in on_time if r.replace_at is not None]
    withdrawn = [r for r in on_time if r.withdraw_at is not None]
    assert replaced and withdrawn
    for r in replaced:
        assert r.replace_at is not None and r.first < r.replace_at < -GUARD_S
    for r in withdrawn:
        assert r.withdraw_at is not None and r.first < r.withdraw_at < -GUARD_S
    assert roles(settings) == day  # seeded: the same settings, the same day
