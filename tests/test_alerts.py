"""Alert rules, grouping, repeats, escalation, silences and the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from test_alert_support import NOW, at, edited_back, make_settings, raise_for, reanalysed, store_flagged
from tocsin.alerts import deliver_due, evaluate_rules
from tocsin.alerts.rules import find_spikes, poisson_tail
from tocsin.alerts.severity import item_severity, names_a_time, rank
from tocsin.alerts.silences import BadMatcher, parse_matchers
from tocsin.config import AlertRuleSettings, SinkSettings
from tocsin.store import alerting, transaction
from tocsin.store.sources import ensure_source, finish_crawl_run, start_crawl_run


def lines(tmp_path):
    path = tmp_path / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def deliveries(db):
    return list(db.query("SELECT * FROM deliveries ORDER BY id"))


# --------------------------------------------------------------------------- item rule


def test_flagged_item_raises_one_alert_with_one_delivery_per_sink(fresh_db, tmp_path):
    sinks = [SinkSettings(name="file", kind="file", path="alerts.jsonl"), SinkSettings(name="console", kind="console")]
    settings = make_settings(tmp_path, sinks=sinks)
    row = store_flagged(fresh_db, text="Tomorrow drive the Uzbeks out of Osh, they are rats.", score=0.93)
    assert raise_for(fresh_db, settings, [row]) == 1
    (alert,) = alerting.list_alerts(fresh_db)
    assert (alert["rule"], alert["kind"], alert["key"], alert["count"]) == ("incitement", "item", "uzbek|osh", 1)
    assert alert["severity"] == "critical"  # warning + high score + a call naming a place and a time
    rows = deliveries(fresh_db)
    assert sorted(r["sink"] for r in rows) == ["console", "file"]
    assert len({r["idempotency_key"] for r in rows}) == 2
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.sent == 2
    (message,) = lines(tmp_path)
    text = message["text"]
    for expected in ("Incitement against Uzbeks in Osh", "Whom: Uzbeks", "Where: Osh", "How many: 1 item",
                     "call to expulsion", "score 0.93", "drive the Uzbeks",
                     f"http://review.test/alerts/{alert['id']}/items/{link_id(fresh_db, row['item_id'])}",
                     f"http://review.test/alerts/{alert['id']}"):
        assert expected in text, expected
    assert message["links"]["alert"] == f"http://review.test/alerts/{alert['id']}"


def link_id(db, item_id: str) -> str:
    from tocsin.store.pseudonyms import item_link_ids

    return item_link_ids(db)(item_id)


def test_alert_messages_name_no_one(fresh_db, tmp_path):
    """Alerts leave the store: no handle, phone, e-mail, profile link or item URL (which names the poster), nor
    the store's item id (a hash of that URL, which a guessed URL can be checked against)."""
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path="alerts.jsonl")])
    text = ("Write to @zqx_alert_handle or call +996 555 321 987, t.me/zqx_alert_chan: "
            "drive the Uzbeks out of Osh, they are rats (zqx.alert@mail.example).")
    row = store_flagged(fresh_db, text=text, score=0.93)
    raise_for(fresh_db, settings, [row])
    deliver_due(fresh_db, settings, now=NOW)
    (message,) = lines(tmp_path)
    sent = json.dumps(message, ensure_ascii=False)
    for identifier in ("zqx_alert_handle", "321 987", "zqx_alert_chan", "zqx.alert", row["url"], row["item_id"][:12]):
        assert identifier not in sent, identifier
    (evidence,) = message["evidence"]
    assert "url" not in evidence and "item_id" not in evidence and "[handle]" in evidence["excerpt"] and "[phone]" in evidence["excerpt"]
    assert evidence["cues"] == ["call_to_expulsion: “drive”"]   # the cue moved with the redactions before it
    assert evidence["item_link"] == link_id(fresh_db, row["item_id"]) and len(evidence["item_link"]) == 20
    assert f"http://review.test/alerts/{message['alert_id']}/items/{evidence['item_link']}" in message["text"]
    assert message["links"]["items"] == [f"http://review.test/alerts/{message['alert_id']}/items/{evidence['item_link']}"]


def test_an_articles_cue_is_quoted_from_its_own_words():
    """An article's spans count from its title (the analysed text is title + body); the alert quotes the body."""
    from tocsin.alerts.messages import evidence_entry

    title, body = "Новости Оша", "Вчера в городе. Надо выгнать узбеков из Оша, пишет @zqx_writer."
    start = len(title) + 2 + body.index("Надо выгнать")
    entry = evidence_entry({"item_id": "x", "title": title, "text": body,
                            "spans": [{"kind": "cue", "label": "call_to_expulsion", "text": "Надо выгнать", "start": start, "end": start + 12}]})
    assert entry["cues"] == ["call_to_expulsion: “Надо выгнать”"]
    assert "Надо выгнать узбеков" in entry["excerpt"] and "zqx_writer" not in entry["excerpt"]


def test_unflagged_untargeted_or_low_items_raise_nothing(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="incitement", kind="item", min_score=0.6)])
    rows = [store_flagged(fresh_db, incitement=False, score=0.3), store_flagged(fresh_db, groups=()),
            store_flagged(fresh_db, score=0.55)]
    assert raise_for(fresh_db, settings, rows) == 0
    assert alerting.list_alerts(fresh_db) == [] and deliveries(fresh_db) == []


def test_severity_rises_with_score_and_a_call_naming_a_place_or_time():
    calm = {"score": 0.6, "hallmarks": ["dehumanization"], "places": []}
    assert item_severity("warning", calm, "they are rats")[0] == "warning"
    assert item_severity("warning", {**calm, "score": 0.9}, "they are rats")[0] == "high"
    call = {"score": 0.6, "hallmarks": ["call_to_violence"], "places": []}
    assert item_severity("warning", call, "beat them")[0] == "warning"
    assert item_severity("warning", call, "beat them tomorrow")[0] == "high"
    assert item_severity("warning", {**call, "places": [{"place": "osh"}]}, "beat them in Osh tomorrow")[0] == "critical"


def test_a_call_to_exclusion_is_not_raised_for_its_place_or_time_but_a_call_to_expulsion_beside_it_is():
    def cue(form: str = "") -> dict:
        return {"kind": "cue", "label": "call_to_expulsion", "text": "…", "start": 0, "end": 1, **({"form": form} if form else {})}

    osh = [{"place": "osh"}]
    excluded = {"score": 0.9, "hallmarks": ["call_to_expulsion"], "places": osh, "spans": [cue("exclusion")]}
    level, reasons = item_severity("warning", excluded, "no Uzbeks at our stalls in Osh from tomorrow")
    assert level == "high" and reasons == ["score 0.90 ≥ 0.85"]
    both = {**excluded, "spans": [cue("exclusion"), cue()]}
    assert item_severity("warning", both, "drive them out of Osh tomorrow, and no jobs for them")[0] == "critical"
    violence_suggested = {**excluded, "hallmarks": ["call_to_violence", "call_to_expulsion"]}
    assert item_severity("warning", violence_suggested, "no jobs for them in Osh; tomorrow we burn their stalls")[0] == "critical"
    stored_before_forms = {**excluded, "spans": [cue()]}
    assert item_severity("warning", stored_before_forms, "no Uzbeks in Osh tomorrow")[0] == "critical"


@pytest.mark.parametrize("text", ["завтра в 18:00 все на площадь", "эртең баарыбыз чогулабыз", "ertaga hammamiz boramiz",
                                  "эртага ҳамма чиқсин", "meet on Friday", "at 6pm"])
def test_times_are_found_in_each_language(text):
    assert names_a_time(text)


def test_no_time_in_plain_text():
    assert not names_a_time("они нас не уважают")


def test_alerts_commit_with_the_analyses_or_not_at_all(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    row = store_flagged(fresh_db)
    from tocsin.alerts import raise_item_alerts

    with pytest.raises(RuntimeError):
        with transaction(fresh_db):
            raise_item_alerts(fresh_db, settings, [row], now=NOW)
            raise RuntimeError("the batch failed after alerts were written")
    assert alerting.list_alerts(fresh_db) == [] and deliveries(fresh_db) == []


# --------------------------------------------------------------------------- grouping, repeat, escalation


def test_items_of_one_key_group_into_one_alert_and_one_update_per_group_interval(fresh_db, tmp_path):
    rule = AlertRuleSettings(name="incitement", kind="item", group_interval_minutes=30, repeat_interval_minutes=240)
    settings = make_settings(tmp_path, rules=[rule])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=at(0))
    deliver_due(fresh_db, settings, now=at(0))
    for minute in range(1, 5):
        raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=at(minute))
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["count"] == 5 and alert["notifications"] == 1
    assert len(deliveries(fresh_db)) == 1
    assert evaluate_rules(fresh_db, settings, now=at(20)) == 0  # not yet
    assert evaluate_rules(fresh_db, settings, now=at(31)) == 1  # one update, with all five items
    deliver_due(fresh_db, settings, now=at(31))
    first, update = lines(tmp_path)
    assert (first["count"], update["count"], update["reason"]) == (1, 5, "update")
    assert update["thread"] == first["id"] != update["id"]
    assert evaluate_rules(fresh_db, settings, now=at(125)) == 0  # nothing new: nothing sent
    assert len(deliveries(fresh_db)) == 2


def test_a_batch_of_items_makes_one_message_carrying_all_of_them(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db) for _ in range(6)])
    raise_for(fresh_db, settings, [store_flagged(fresh_db) for _ in range(3)], now=at(1))
    assert deliver_due(fresh_db, settings, now=at(2)).sent == 1
    (message,) = lines(tmp_path)
    assert message["count"] == 9 and "How many: 9 items" in message["text"]
    assert alerting.list_alerts(fresh_db)[0]["notified_count"] == 9
    assert evaluate_rules(fresh_db, settings, now=at(100)) == 0  # already told: no update


def test_an_item_naming_two_groups_joins_the_first_groups_alert_and_names_both(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db, groups=("uzbek", "tajik"))])
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["key"] == "uzbek|osh" and "Whom: Uzbeks (also named: Tajiks)" in alert["message"]


def test_another_group_or_place_is_another_alert(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db, places=("jalal-abad",)),
                                   store_flagged(fresh_db, groups=("kyrgyz",))])
    assert sorted(a["key"] for a in alerting.list_alerts(fresh_db)) == ["kyrgyz|osh", "uzbek|jalal-abad", "uzbek|osh"]


def test_escalation_notifies_at_once_and_reopens_an_acknowledged_alert(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="They are rats.", hallmarks=("dehumanization",))])
    deliver_due(fresh_db, settings, now=NOW)
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["severity"] == "warning"
    alerting.acknowledge_alert(fresh_db, alert["id"], "lead")
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="They are rats.", hallmarks=("dehumanization",))], now=at(1))
    assert len(deliveries(fresh_db)) == 1  # acknowledged: more of the same is collected quietly
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Burn them out of Osh tonight.", score=0.95,
                                                 hallmarks=("call_to_violence",))], now=at(2))
    alert = alerting.get_alert(fresh_db, alert["id"])
    assert alert["severity"] == "critical" and alert["status"] == "open" and alert["count"] == 3
    rows = deliveries(fresh_db)
    assert len(rows) == 2 and json.loads(rows[1]["body"])["reason"] == "escalated to critical"


def test_acknowledged_alert_sends_no_repeats(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="incitement", kind="item", repeat_interval_minutes=60)])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    alert_id = alerting.list_alerts(fresh_db)[0]["id"]
    alerting.acknowledge_alert(fresh_db, alert_id, "lead")
    raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=at(50))
    evaluate_rules(fresh_db, settings, now=at(100))
    assert len(deliveries(fresh_db)) == 1


def test_a_quiet_alert_resolves_and_the_next_event_opens_a_new_one(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="incitement", kind="item", repeat_interval_minutes=60)])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    evaluate_rules(fresh_db, settings, now=at(61))
    first = alerting.list_alerts(fresh_db)[0]
    assert first["status"] == "resolved"
    raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=at(200))
    alerts = alerting.list_alerts(fresh_db)
    assert len(alerts) == 2 and alerts[0]["status"] == "open" and alerts[0]["id"] != first["id"]


@pytest.mark.parametrize("woken_by", ["an evaluation", "a new item"])
def test_items_that_joined_are_announced_when_their_alert_resolves_before_the_update_was_due(fresh_db, tmp_path, woken_by):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=NOW)
    deliver_due(fresh_db, settings, now=at(1))
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db)], now=at(10))
    evaluate_rules(fresh_db, settings, now=at(20))  # the update is due at +30, but the daemon stops at +25
    if woken_by == "an evaluation":
        evaluate_rules(fresh_db, settings, now=at(260))
    else:
        raise_for(fresh_db, settings, [store_flagged(fresh_db)], now=at(260))
    deliver_due(fresh_db, settings, now=at(261))
    first = alerting.list_alerts(fresh_db)[-1]
    assert (first["status"], first["count"], first["notified_count"]) == ("resolved", 3, 3)
    sent = [(m["alert_id"], m["count"], m["reason"]) for m in lines(tmp_path)]
    assert sent[:2] == [(first["id"], 1, "new"), (first["id"], 3, "update")]
    update = lines(tmp_path)[1]["text"]   # news, not a closing message: it heads with its severity
    assert not update.startswith("[RESOLVED]") and update.endswith("update · the alert has since resolved")


def test_an_item_analysed_again_raises_no_alert_again_unless_its_severity_rises(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    row = store_flagged(fresh_db, published_at=at(-30))
    raise_for(fresh_db, settings, [row])
    evaluate_rules(fresh_db, settings, now=at(300))  # quiet for the repeat interval: resolved
    assert raise_for(fresh_db, settings, [reanalysed(fresh_db, row, model_version="2")], now=at(400)) == 0
    (first,) = alerting.list_alerts(fresh_db)
    assert first["status"] == "resolved" and len(deliveries(fresh_db)) == 1
    assert raise_for(fresh_db, settings, [reanalysed(fresh_db, row, model_version="3", score=0.95)], now=at(500)) == 1
    worse, first = alerting.list_alerts(fresh_db)
    assert worse["status"] == "open" and worse["item_ids"] == first["item_ids"]
    assert rank(worse["severity"]) > rank(first["severity"])


# --------------------------------------------------------------------------- silences


def test_a_silence_stops_all_matching_messages(fresh_db, tmp_path):
    rules = [AlertRuleSettings(name="incitement", kind="item"),
             AlertRuleSettings(name="burst", kind="spike", severity="high", min_count=3, window_minutes=60)]
    settings = make_settings(tmp_path, rules=rules)
    early = store_flagged(fresh_db, published_at=at(-200))
    raise_for(fresh_db, settings, [early], now=at(-5))  # enqueued before the silence, not yet delivered
    silence_id = alerting.add_silence(fresh_db, parse_matchers(["group=uzbek"]), starts_at=at(-10).isoformat(),
                                      ends_at=at(120).isoformat(), comment="known campaign", created_by="lead")
    burst = [store_flagged(fresh_db, places=("osh",), published_at=at(-m)) for m in (1, 5, 9, 13)]
    raise_for(fresh_db, settings, burst)
    other = store_flagged(fresh_db, groups=("tajik",))
    raise_for(fresh_db, settings, [other])
    evaluate_rules(fresh_db, settings, now=NOW)
    assert {a["kind"] for a in alerting.list_alerts(fresh_db)} == {"item", "spike"}
    summary = deliver_due(fresh_db, settings, now=NOW)
    sent = lines(tmp_path)
    assert [m["labels"]["group"] for m in sent] == ["tajik"]
    assert summary.sent == 1 and summary.silenced >= 1
    assert all(r["status"] == "silenced" for r in deliveries(fresh_db) if json.loads(r["body"])["labels"]["group"] == "uzbek")
    # once the silence is expired, new events are sent again
    alerting.expire_silence(fresh_db, silence_id, at(1).isoformat())
    raise_for(fresh_db, settings, [store_flagged(fresh_db, places=("uzgen",))], now=at(2))
    deliver_due(fresh_db, settings, now=at(2))
    assert [m["labels"]["place"] for m in lines(tmp_path)][-1] == "uzgen"


def test_bad_matchers_are_refused_with_the_fix():
    with pytest.raises(BadMatcher, match="use one of"):
        parse_matchers(["grp=uzbek"])
    with pytest.raises(BadMatcher, match="name=value"):
        parse_matchers(["uzbek"])


# --------------------------------------------------------------------------- spike


SPIKE = AlertRuleSettings(name="burst", kind="spike", severity="high", window_minutes=60, baseline_days=14, min_count=3)


def test_spike_fires_on_a_burst_and_stays_quiet_on_a_steady_baseline_of_the_same_total(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[SPIKE])
    total = 12
    # steady: the same pair, the same 12 items, spread evenly over the baseline and the window
    span = 14 * 24 * 60 + 60
    for n in range(total):
        store_flagged(fresh_db, places=("osh",), score=0.55, published_at=at(-(n + 0.5) * span / total))
    assert evaluate_rules(fresh_db, settings, now=NOW) == 0
    # burst: 12 items of another pair within the last hour, each borderline
    for n in range(total):
        store_flagged(fresh_db, places=("jalal-abad",), score=0.52, published_at=at(-4 * n - 1))
    assert evaluate_rules(fresh_db, settings, now=NOW) == 1
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["kind"] == "spike" and alert["key"] == "uzbek|jalal-abad" and alert["count"] == total
    assert alert["payload"]["stats"]["count"] == total
    assert "Burst of incitement against Uzbeks in Jalal-Abad" in alert["message"]
    # evaluating again adds nothing and sends nothing
    assert evaluate_rules(fresh_db, settings, now=at(5)) == 0
    assert len(deliveries(fresh_db)) == 1


@pytest.mark.parametrize(("late_minutes", "alerts"), [(0, 0), (24 * 60, 1)])
def test_spike_finds_a_burst_that_reached_tocsin_after_its_window_ended(fresh_db, tmp_path, late_minutes, alerts):
    settings = make_settings(tmp_path, rules=[replace(SPIKE, late_minutes=late_minutes)])
    for n in range(12):  # published within five minutes, 70 minutes before the crawl that fetched them
        store_flagged(fresh_db, published_at=at(-70 + n * 0.4))
    store_flagged(fresh_db, published_at=at(-20 * 60))  # one earlier item of the pair: a baseline, not a burst
    assert evaluate_rules(fresh_db, settings, now=NOW) == alerts
    assert [(a["count"], a["payload"]["stats"]["count"]) for a in alerting.list_alerts(fresh_db)] == [(12, 12)] * alerts


def test_spike_quiet_on_a_busy_but_steady_pair():
    rows = [{"item_id": f"i{n}", "targets": [{"group": "uzbek"}], "places": [{"place": "osh"}],
             "published_at": (NOW - timedelta(minutes=20 * n + 1)).isoformat(), "first_seen": NOW.isoformat()}
            for n in range(3 * 24 * 14)]  # three an hour for two weeks
    assert find_spikes(rows, NOW, window=timedelta(minutes=60), baseline=timedelta(days=14), min_count=3, max_p_value=0.001) == []


def test_poisson_tail_matches_known_values():
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    assert poisson_tail(3, 3.0) == pytest.approx(0.5768099189, rel=1e-9)
    assert poisson_tail(60, 2.0) < 1e-50


# --------------------------------------------------------------------------- spread


SPREAD = AlertRuleSettings(name="spread", kind="spread", severity="high", window_minutes=360, min_sources=3, similarity=0.8)
RUMOUR = "Fictional rumour: they poisoned the wells in Osh, drive the Uzbeks out before Friday prayers!"


def test_spread_fires_when_one_text_appears_in_three_channels(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[SPREAD])
    variants = [RUMOUR, RUMOUR.replace("!", "!!! forward to all"), "FWD: " + RUMOUR.lower() + " https://t.me/x/1"]
    for n, (channel, text) in enumerate(zip(("tg-a", "tg-b", "tg-c"), variants, strict=True)):
        store_flagged(fresh_db, source=channel, text=text, published_at=at(-30 + n))
    store_flagged(fresh_db, source="tg-d", text="Fictional: a different message about the market prices today in Osh.",
                  published_at=at(-10))
    assert evaluate_rules(fresh_db, settings, now=NOW) == 1
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["kind"] == "spread" and alert["count"] == 3
    assert sorted(alert["payload"]["sources"]) == ["tg-a", "tg-b", "tg-c"]
    assert "3 copies in 3 sources" in alert["message"]
    first = min(alert["item_ids"], key=lambda i: fresh_db.execute("SELECT published_at FROM items WHERE id = ?", [i]).fetchone()[0])
    assert alert["key"] == f"text:{link_id(fresh_db, first)[:16]}" and first[:16] not in alert["key"]   # no store id leaves
    # a fourth channel joins the same alert; nothing is re-sent before the repeat interval
    store_flagged(fresh_db, source="tg-e", text=RUMOUR, published_at=at(1))
    assert evaluate_rules(fresh_db, settings, now=at(2)) == 1
    alerts = alerting.list_alerts(fresh_db)
    assert len(alerts) == 1 and alerts[0]["count"] == 4 and len(deliveries(fresh_db)) == 1


@pytest.mark.parametrize(("late_minutes", "alerts"), [(0, 0), (24 * 60, 1)])
def test_spread_finds_a_copy_that_reached_tocsin_after_its_window_was_evaluated(fresh_db, tmp_path, late_minutes, alerts):
    settings = make_settings(tmp_path, rules=[replace(SPREAD, window_minutes=60, late_minutes=late_minutes)])
    for n, channel in enumerate(("tg-a", "tg-b")):
        store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-70 + n))
    assert evaluate_rules(fresh_db, settings, now=at(-65)) == 0  # two channels: not yet a spread
    store_flagged(fresh_db, source="tg-c", text=RUMOUR, published_at=at(-68))  # a channel crawled an hour late
    assert evaluate_rules(fresh_db, settings, now=NOW) == alerts
    assert [(a["count"], a["payload"]["stats"]["sources"]) for a in alerting.list_alerts(fresh_db)] == [(3, 3)] * alerts
    for minute in range(5, 600, 5):  # evaluated on, through its resolution: the copies raise the rule once
        evaluate_rules(fresh_db, settings, now=at(minute))
    assert len(alerting.list_alerts(fresh_db)) == len(deliveries(fresh_db)) == alerts


@pytest.mark.parametrize("rule", [SPREAD, replace(SPIKE, window_minutes=360)], ids=["spread", "spike"])
def test_items_still_in_the_window_after_their_alert_resolved_raise_no_second_alert(fresh_db, tmp_path, rule):
    settings = make_settings(tmp_path, rules=[rule])  # a window of 360 minutes, longer than the repeat interval (240)
    for channel in ("tg-a", "tg-b", "tg-c"):
        store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-5))
    for minute in range(0, 300, 5):  # every five minutes, as the daemon evaluates
        evaluate_rules(fresh_db, settings, now=at(minute))
    (first,) = alerting.list_alerts(fresh_db)
    assert first["status"] == "resolved" and len(deliveries(fresh_db)) == 1
    store_flagged(fresh_db, source="tg-d", text=RUMOUR, published_at=at(300))  # something new: a new episode, of it alone
    assert evaluate_rules(fresh_db, settings, now=at(301)) == 1
    second, first = alerting.list_alerts(fresh_db)
    assert second["count"] == 1 and not set(second["item_ids"]) & set(first["item_ids"])


@pytest.mark.parametrize("a_flagged", [True, False], ids=["flagged-text-back", "harmless-text-back"])
@pytest.mark.parametrize("rule", [SPREAD, SPIKE], ids=["spread", "spike"])
def test_an_item_edited_back_counts_as_the_analysis_of_the_text_it_shows(fresh_db, tmp_path, rule, a_flagged):
    """A -> B -> A, A not analysed again: A's analysis speaks for the item, though B's is the newest."""
    settings = make_settings(tmp_path, rules=[rule])
    for n, channel in enumerate(("tg-a", "tg-b")):
        store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-30 + n))
    third = store_flagged(fresh_db, source="tg-c", text=RUMOUR, published_at=at(-28), incitement=a_flagged,
                          score=0.7 if a_flagged else 0.2)
    edited_back(fresh_db, third, "Fictional correction: the wells in Osh are fine, nobody poisoned them.",
                incitement=not a_flagged, score=0.2 if a_flagged else 0.7)
    assert evaluate_rules(fresh_db, settings, now=NOW) == int(a_flagged)
    assert [len(a["item_ids"]) for a in alerting.list_alerts(fresh_db)] == ([3] if a_flagged else [])


def test_spread_quiet_in_two_channels_or_one_channel_repeating(fresh_db, tmp_path):
    settings = make_settings(tmp_path, rules=[SPREAD])
    for channel in ("tg-a", "tg-b", "tg-b", "tg-b"):
        store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-20))
    assert evaluate_rules(fresh_db, settings, now=NOW) == 0


# --------------------------------------------------------------------------- stale source


def crawled_once_with_a_stale_rule(db, tmp_path, *names: str):
    """Settings with a stale-source rule, and the named sources, crawling every 30 minutes, each crawled once well."""
    for name in names:
        ensure_source(db, name)
        finish_crawl_run(db, start_crawl_run(db, name), "ok")
    db.execute("UPDATE sources SET interval_minutes = 30")
    db.execute("DELETE FROM sources WHERE name = 'test'")
    return make_settings(tmp_path, rules=[AlertRuleSettings(name="stale", kind="stale_source", severity="info")])


def test_stale_source_alerts_after_twice_its_interval_and_resolves_on_success(fresh_db, tmp_path):
    settings = crawled_once_with_a_stale_rule(fresh_db, tmp_path, "quiet-feed", "hung-feed")
    now = datetime.now(timezone.utc)
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=59)) == 0
    # nobody tried since (the daemon was stopped): not stale yet, no burst of alerts on restart
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=61)) == 0
    finish_crawl_run(fresh_db, start_crawl_run(fresh_db, "quiet-feed"), "failed")
    hung = start_crawl_run(fresh_db, "hung-feed")  # started at +50 min: not yet overdue at +61
    fresh_db.execute("UPDATE crawl_runs SET started_at = ? WHERE id = ?", [(now + timedelta(minutes=50)).isoformat(), hung])
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=61)) == 1
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["key"] == "quiet-feed" and "quiet-feed" in alert["title"] and "latest crawl failed" in alert["message"]
    # a crawl hanging for longer than its interval makes its source stale too
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=95)) == 1  # quiet-feed unchanged
    assert {a["key"] for a in alerting.list_alerts(fresh_db)} == {"quiet-feed", "hung-feed"}
    fresh_db.execute("UPDATE sources SET last_success_at = ? WHERE name = 'quiet-feed'", [(now + timedelta(minutes=96)).isoformat()])
    evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=97))
    assert alerting.get_alert(fresh_db, alert["id"])["status"] == "resolved"
    deliver_due(fresh_db, settings, now=now + timedelta(minutes=97))
    resolved = [m for m in lines(tmp_path) if m["key"] == "quiet-feed"][-1]
    assert resolved["reason"] == "resolved" and resolved["text"].startswith("[RESOLVED] Source quiet-feed")


def test_a_stale_source_alert_stays_open_while_a_retry_runs_and_a_crawl_stopped_with_the_daemon_is_no_failure(fresh_db, tmp_path):
    from tocsin.store.sources import record_crawl_error

    settings = crawled_once_with_a_stale_rule(fresh_db, tmp_path, "broken-feed", "healthy-feed")
    now = datetime.now(timezone.utc)
    finish_crawl_run(fresh_db, start_crawl_run(fresh_db, "broken-feed"), "failed")
    stopped = start_crawl_run(fresh_db, "healthy-feed")   # cut short by a clean stop of the daemon
    record_crawl_error(fresh_db, stopped, "healthy-feed", "interrupted", "the crawl process was told to stop")
    finish_crawl_run(fresh_db, stopped, "failed")
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=61)) == 1
    (alert,) = alerting.list_alerts(fresh_db)
    assert alert["key"] == "broken-feed", "the interrupted crawl says nothing of the healthy source"
    retry = start_crawl_run(fresh_db, "broken-feed")   # the retry runs; the source has not crawled well yet
    fresh_db.execute("UPDATE crawl_runs SET started_at = ? WHERE id = ?", [(now + timedelta(minutes=62)).isoformat(), retry])
    evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=63))
    assert alerting.get_alert(fresh_db, alert["id"])["status"] != "resolved"
    assert "resolved" not in [json.loads(r["body"]).get("reason") for r in fresh_db.query("SELECT body FROM deliveries")]


def test_a_failing_rule_does_not_stop_the_others(fresh_db, tmp_path, monkeypatch, caplog):
    from tocsin.alerts import engine

    settings = make_settings(tmp_path, rules=[SPIKE, SPREAD])
    monkeypatch.setitem(engine.EVALUATORS, "spike", lambda *a: 1 / 0)
    for channel in ("tg-a", "tg-b", "tg-c"):
        store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-20))
    assert evaluate_rules(fresh_db, settings, now=NOW) == 1
    assert "alert rule burst (spike) failed" in caplog.text


def test_silences_match_on_key_severity_and_wildcards(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    alerting.add_silence(fresh_db, parse_matchers(["key=uzbek|*", "severity=warning"]), starts_at=at(-1).isoformat(),
                         ends_at=at(60).isoformat())
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="They are rats.", hallmarks=("dehumanization",)),
                                   store_flagged(fresh_db, groups=("kyrgyz",), text="They are rats.", hallmarks=("dehumanization",))])
    statuses = {json.loads(r["body"])["key"]: r["status"] for r in deliveries(fresh_db)}
    assert statuses == {"uzbek|osh": "silenced", "kyrgyz|osh": "pending"}


def test_silences_match_in_any_case(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    alerting.add_silence(fresh_db, parse_matchers(["place=Osh", "group=UZBEK"]), starts_at=at(-1).isoformat(),
                         ends_at=at(60).isoformat())   # as alert titles write them
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db, groups=("kyrgyz",))])
    statuses = {json.loads(r["body"])["key"]: r["status"] for r in deliveries(fresh_db)}
    assert statuses == {"uzbek|osh": "silenced", "kyrgyz|osh": "pending"}


@pytest.mark.parametrize("table, key", [
    ("[[alerts.rules]]\nname = 'x'\nkind = 'spread'\nsimilarity = 1.5", "alerts.rules[0].similarity"),
    ("[[alerts.rules]]\nname = 'x'\nkind = 'spike'\nmin_count = 0", "alerts.rules[0].min_count"),
    ("[[alerts.rules]]\nkind = 'item'", "alerts.rules[0].name"),
    ("[[alerts.sinks]]\nname = 'h'\nkind = 'webhook'\nurl = 'https://h.example/'\nsecret = 'whsec_not base64!'",
     "alerts.sinks[0].secret"),
])
def test_bad_rule_and_sink_values_are_config_errors_naming_the_key(tmp_path, table, key):
    from tocsin.config import ConfigError, load_settings

    path = tmp_path / "tocsin.toml"
    path.write_text(table + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.key == key


def test_an_excerpt_starts_at_a_word():
    from tocsin.alerts.messages import excerpt

    text = "Дорогие соседи и все жители нашего района, слушайте внимательно: всех узбеков из Оша выгнать!"
    cue = text.index("выгнать")
    for limit, first in ((60, "всех"), (69, "всех")):   # cut just before "всех", and inside "внимательно:"
        quoted = excerpt(text, [{"kind": "cue", "text": "выгнать", "start": cue, "end": cue + 7}], limit=limit)
        assert quoted.startswith("…" + first) and "выгнать" in quoted, (limit, quoted)
    lines = "hhhh\niiii\njjjj KILL them"
    kill = lines.index("KILL")
    assert excerpt(lines, [{"kind": "cue", "text": "KILL", "start": kill, "end": kill + 4}], limit=18) == "…jjjj KILL them"
