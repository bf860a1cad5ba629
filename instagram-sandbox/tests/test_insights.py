"""Insights validation with exact texts, response shapes, windows, late data, stories (§4, §3.5)."""

from __future__ import annotations

from instagram_sandbox.testing import Demo, graph_error

DAY = 86400


def _media(demo: Demo, product: str, media_type: str | None = None) -> str:
    for m in demo.ok(
        demo.get(f"/{demo.acme}/media", fields="media_type,media_product_type", limit=100)
    )["data"]:
        if m["media_product_type"] == product and media_type in (None, m["media_type"]):
            return str(m["id"])
    raise AssertionError(product)


def test_version_matters_for_views_and_impressions(demo: Demo) -> None:
    image = _media(demo, "FEED", "IMAGE")
    assert demo.get(f"/{image}/insights", metric="reach,views").status_code == 200
    v21 = graph_error(demo.get(f"/{image}/insights", version="v21.0", metric="reach,views"))
    assert v21["message"].startswith(
        "(#100) metric[1] must be one of the following values: impressions, reach"
    )
    assert "views" not in v21["message"].split(": ", 1)[1].split(", ")
    v22 = graph_error(demo.get(f"/{image}/insights", metric="impressions"))
    assert v22["message"] == ("(#100) Starting from version v22.0 and above, the impressions metric is no longer "
                              "supported for the queried media")  # fmt: skip
    unknown = graph_error(demo.get(f"/{image}/insights", metric="reach,video_views"))
    assert unknown["message"].startswith("(#100) metric[1] must be one of the following values:")


def test_product_type_rules_and_whole_page_failure(demo: Demo) -> None:
    reel = _media(demo, "REELS")
    err = graph_error(demo.get(f"/{reel}/insights", metric="reach,follows"))
    assert (
        err["message"]
        == "(#100) The Media Insights API does not support the follows metric for this media product type."
    )
    assert (
        demo.ok(demo.get(f"/{reel}/insights", metric="reach,ig_reels_avg_watch_time"))["data"][1][
            "values"
        ][0]["value"]
        > 0
    )
    page = demo.get(f"/{demo.acme}/media", fields="id,insights.metric(reach,follows)", limit=50)
    assert graph_error(page)["code"] == 100  # one reel in the page fails it all
    ig = graph_error(
        demo.get(f"/{reel}/insights", host="instagram", token=demo.ig_token, metric="total_views")
    )
    assert ig["code"] == 100


def test_breakdowns_children_story_viewers_and_pre_conversion(demo: Demo) -> None:
    image = _media(demo, "FEED", "IMAGE")
    item = demo.ok(
        demo.get(f"/{image}/insights", metric="profile_activity", breakdown="action_type")
    )["data"][0]
    results = item["total_value"]["breakdowns"][0]["results"]
    assert sum(r["value"] for r in results) == item["total_value"]["value"]
    refused = graph_error(demo.get(f"/{image}/insights", metric="reach", breakdown="action_type"))
    assert (refused["code"], refused["message"]) == (
        100,
        "(#100) Incompatible breakdowns (action_type) for metric (reach)",
    )
    carousel = demo.ok(demo.get(f"/{_media(demo, 'FEED', 'CAROUSEL_ALBUM')}/children"))["data"][0][
        "id"
    ]
    assert graph_error(demo.get(f"/{carousel}/insights", metric="reach"))["code"] == 100
    stories = demo.ok(demo.get(f"/{demo.acme}/stories"))["data"]
    codes = [
        demo.get(f"/{s['id']}/insights", metric="reach,navigation").status_code for s in stories
    ]
    assert codes.count(400) == 1
    few = next(s["id"] for s, c in zip(stories, codes, strict=True) if c == 400)
    assert graph_error(demo.get(f"/{few}/insights", metric="reach")) | {"fbtrace_id": ""} == {
        "message": "(#10) Not enough viewers for the media to show insights", "type": "OAuthException", "code": 10,
        "is_transient": False, "fbtrace_id": "",
    }  # fmt: skip
    oldest = demo.ok(demo.get(f"/{demo.acme}/media", limit=100))["data"][-1]["id"]
    pre = graph_error(demo.get(f"/{oldest}/insights", metric="reach"))
    assert (pre["code"], pre["error_subcode"]) == (100, 2108006)


def test_account_time_series_total_value_and_paging(demo: Demo) -> None:
    now = demo.control.now()
    series = demo.ok(
        demo.get(
            f"/{demo.acme}/insights", metric="reach", period="day", since=now - 7 * DAY, until=now
        )
    )
    values = series["data"][0]["values"]
    assert 5 <= len(values) <= 7 and all(v["end_time"][11:13] in ("07", "08") for v in values)
    prev = dict(p.split("=") for p in series["paging"]["previous"].split("?")[1].split("&"))
    assert int(prev["until"]) == now - 7 * DAY and int(prev["since"]) == now - 14 * DAY
    total = demo.ok(demo.get(f"/{demo.acme}/insights", metric="reach,likes", period="day", metric_type="total_value",
                             breakdown="media_product_type", since=now - 3 * DAY, until=now))  # fmt: skip
    tv = total["data"][0]["total_value"]
    assert tv["breakdowns"][0]["dimension_keys"] == ["media_product_type"]
    assert sum(r["value"] for r in tv["breakdowns"][0]["results"]) == tv["value"]
    required = graph_error(
        demo.get(f"/{demo.acme}/insights", metric="views,profile_views", period="day")
    )
    assert (
        required["message"]
        == "(#100) The following metrics (views,profile_views) should be specified with parameter metric_type=total_value"
    )
    too_long = graph_error(
        demo.get(
            f"/{demo.acme}/insights", metric="reach", period="day", since=now - 40 * DAY, until=now
        )
    )
    assert (
        too_long["message"]
        == "(#100) There cannot be more than 30 days (2592000 s) between since and until"
    )
    fc = graph_error(
        demo.get(
            f"/{demo.acme}/insights",
            metric="follower_count",
            period="day",
            since=now - 5 * DAY,
            until=now,
        )
    )
    assert (
        fc["message"]
        == "(#100) (follower_count) metric only supports querying data for the last 30 days excluding the current day"
    )
    bad = graph_error(
        demo.get(
            f"/{demo.acme}/insights",
            metric="accounts_engaged",
            period="day",
            metric_type="total_value",
            breakdown="follow_type",
        )
    )
    assert (bad["code"], bad["message"]) == (
        100,
        "(#100) Incompatible breakdowns (follow_type) for metric (accounts_engaged)",
    )
    assert demo.ok(demo.get(f"/{demo.acme}/insights", metric="reach", period="day", since=now + 2 * DAY, until=now + 4 * DAY)) == {
        "data": [], "paging": demo.ok(demo.get(f"/{demo.acme}/insights", metric="reach", period="day", since=now + 2 * DAY, until=now + 4 * DAY))["paging"]
    }  # fmt: skip
    old = graph_error(
        demo.get(
            f"/{demo.acme}/insights",
            metric="reach",
            period="day",
            since=now - 800 * DAY,
            until=now - 790 * DAY,
        )
    )
    assert old["message"] == "(#100) since param is not valid"
    assert demo.ok(
        demo.get(
            f"/{demo.acme}/insights",
            metric="reach",
            period="day",
            since=now - 700 * DAY,
            until=now - 690 * DAY,
        )
    )["data"]


def test_recent_figures_still_change_between_reads(demo: Demo) -> None:
    now = demo.control.now()
    args = {"metric": "reach", "period": "day", "since": now - 2 * DAY, "until": now}
    first = demo.ok(demo.get(f"/{demo.acme}/insights", **args))["data"][0]["values"]
    second = demo.ok(demo.get(f"/{demo.acme}/insights", **args))["data"][0]["values"]
    assert first[-1]["value"] != second[-1]["value"]
    old = {"metric": "reach", "period": "day", "since": now - 20 * DAY, "until": now - 10 * DAY}
    assert demo.ok(demo.get(f"/{demo.acme}/insights", **old)) == demo.ok(
        demo.get(f"/{demo.acme}/insights", **old)
    )


def test_demographics_online_followers_and_small_accounts(demo: Demo) -> None:
    demo_args = {
        "metric": "follower_demographics",
        "period": "lifetime",
        "metric_type": "total_value",
        "breakdown": "country",
    }
    assert "timeframe" in graph_error(demo.get(f"/{demo.acme}/insights", **demo_args))["message"]
    body = demo.ok(demo.get(f"/{demo.acme}/insights", timeframe="last_90_days", **demo_args))[
        "data"
    ][0]
    assert (
        "value" not in body["total_value"]
        and len(body["total_value"]["breakdowns"][0]["results"]) <= 45
    )
    engaged = dict(demo_args, metric="engaged_audience_demographics", timeframe="last_90_days")
    assert graph_error(demo.get(f"/{demo.acme}/insights", **engaged))["code"] == 100
    now = demo.control.now()
    online = demo.ok(
        demo.get(
            f"/{demo.acme}/insights",
            metric="online_followers",
            period="lifetime",
            since=now - 3 * DAY,
            until=now,
        )
    )
    assert set(online["data"][0]["values"][0]["value"]) == {str(h) for h in range(24)}
    small = graph_error(
        demo.get(f"/{demo.bakery}/insights", **dict(demo_args, timeframe="this_week"))
    )
    assert small["code"] == 10


def test_stories_live_for_24_hours(demo: Demo) -> None:
    stories = demo.ok(demo.get(f"/{demo.acme}/stories", fields="id,media_product_type"))["data"]
    assert len(stories) == 3 and all(s["media_product_type"] == "STORY" for s in stories)
    newest = stories[0]["id"]
    assert demo.get(f"/{newest}/insights", metric="reach,navigation").status_code == 200
    demo.control.advance(21 * 3600)
    assert [s["id"] for s in demo.ok(demo.get(f"/{demo.acme}/stories"))["data"]] == [newest]
    demo.control.advance(3600)
    assert demo.ok(demo.get(f"/{demo.acme}/stories")) == {"data": []}
    gone = graph_error(demo.get(f"/{newest}"))
    assert (gone["code"], gone["error_subcode"]) == (100, 33)
    assert graph_error(demo.get(f"/{newest}/insights", metric="reach"))["error_subcode"] == 33


def test_story_link_clicks_answer_from_v26_with_facebook_login_only(demo: Demo) -> None:
    stories = demo.ok(demo.get(f"/{demo.acme}/stories"))["data"]
    answers = [demo.get(f"/{s['id']}/insights", metric="link_clicks", version="v26.0")
               for s in stories]  # fmt: skip
    ok = [a for a in answers if a.status_code == 200]
    assert ok and ok[0].json()["data"][0]["name"] == "link_clicks"
    story = stories[answers.index(ok[0])]["id"]
    old = demo.get(f"/{story}/insights", metric="link_clicks", version="v25.0")
    assert graph_error(old)["code"] == 100
    feed = demo.ok(demo.get(f"/{demo.acme}/media", limit=1))["data"][0]["id"]
    assert (
        graph_error(demo.get(f"/{feed}/insights", metric="link_clicks", version="v27.0"))["code"]
        == 100
    )  # stories only
