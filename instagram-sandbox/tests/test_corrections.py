"""Behaviour corrected from real answers (graph-api.md §11): per-endpoint scopes, versions, shapes."""

from __future__ import annotations

from instagram_sandbox.testing import Demo, graph_error

READ_ONLY = ["instagram_basic", "pages_show_list", "pages_read_engagement"]


def _read_only(demo: Demo) -> str:
    return demo.control.issue_token(demo.acme, scopes=READ_ONLY)


def test_publishing_limit_needs_the_publish_scope(demo: Demo) -> None:
    token = _read_only(demo)
    error = graph_error(demo.get(f"/{demo.acme}/content_publishing_limit", token=token))
    assert (error["code"], error["message"]) == (
        200,
        "(#200) Requires instagram_content_publish permission to manage the object",
    )
    assert demo.get(f"/{demo.acme}/content_publishing_limit").status_code == 200  # full scopes


def test_tags_and_comments_need_the_comments_scope(demo: Demo) -> None:
    token = _read_only(demo)
    assert "instagram_manage_comments" in graph_error(
        demo.get(f"/{demo.acme}/tags", token=token))["message"]  # fmt: skip
    media = demo.ok(demo.get(f"/{demo.acme}/media", token=token, fields="id"))["data"][0]["id"]
    assert graph_error(demo.get(f"/{media}/comments", token=token))["code"] == 200
    expanded = demo.get(f"/{demo.acme}/media", token=token, fields="id,comments{id}")
    assert graph_error(expanded)["code"] == 200
    assert demo.get(f"/{demo.acme}/media", token=token, fields="id,caption").status_code == 200


def test_insights_without_scope_answer_the_permission_text_not_too_few_viewers(demo: Demo) -> None:
    token = _read_only(demo)
    answer = demo.get(f"/{demo.acme}/insights", token=token, metric="reach", period="day")
    error = graph_error(answer)
    assert (answer.status_code, error["code"]) == (403, 10)
    assert error["message"] == "(#10) Application does not have permission for this action"


def test_debug_token_refuses_a_method_override(demo: Demo) -> None:
    overridden = demo.post("/debug_token", data={"method": "GET", "input_token": demo.fb_token})
    assert graph_error(overridden)["code"] == 100
    plain = demo.ok(demo.get("/debug_token", input_token=demo.fb_token))
    assert plain["data"]["is_valid"] is True


def test_v26_and_v27_are_served_and_v28_is_not(demo: Demo) -> None:
    for version in ("v26.0", "v27.0"):
        answer = demo.get(f"/{demo.acme}", version=version, fields="username")
        assert answer.status_code == 200
        assert answer.headers["facebook-api-version"] == version
    assert graph_error(demo.get("/me", version="v28.0"))["code"] == 2500
    assert demo.get("/me", version=None).headers["facebook-api-version"] == "v25.0"


def test_a_list_that_fits_in_one_page_has_no_paging(demo: Demo) -> None:
    tags = demo.ok(demo.get(f"/{demo.acme}/tags", fields="id", limit=100))
    assert tags["data"] and "paging" not in tags
    first = demo.ok(demo.get(f"/{demo.acme}/media", fields="id", limit=5))
    assert first["paging"]["cursors"]["after"] and "next" in first["paging"]


def test_the_size_rule_refuses_answers_over_the_budget(demo: Demo) -> None:
    fields = "id,comments.limit(50){id,replies.limit(50){id}}"
    demo.control.configure(max_answer_objects=100)
    heavy = demo.get(f"/{demo.acme}/media", fields=fields, limit=100)
    assert heavy.status_code == 500
    error = graph_error(heavy)
    assert error["code"] == 1 and "reduce the amount of data" in error["message"]
    assert demo.get(f"/{demo.acme}/media", fields="id", limit=50).status_code == 200  # 50 objects
    assert demo.get(f"/{demo.acme}/media", fields="id", limit=100).status_code == 200  # 60 objects
    demo.control.configure(max_answer_objects=59)
    assert demo.get(f"/{demo.acme}/media", fields="id", limit=100).status_code == 500
    demo.control.configure(max_answer_objects=0)  # off
    assert demo.get(f"/{demo.acme}/media", fields=fields, limit=100).status_code == 200


def test_the_default_size_budget_lets_the_demo_through_but_not_a_huge_page(demo: Demo) -> None:
    fields = "id,comments.limit(50){id,replies.limit(50){id}}"
    assert demo.get(f"/{demo.acme}/media", fields=fields, limit=100).status_code == 200
    demo.control.add_media(account_id=demo.acme, count=40, comments_per_media=50)
    assert demo.get(f"/{demo.acme}/media", fields=fields, limit=100).status_code == 500


def test_object_ids_have_17_digits(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="id,comments{id}", limit=100))["data"]
    comments = [c["id"] for m in media for c in (m.get("comments") or {}).get("data", [])]
    assert comments and {len(i) for i in [m["id"] for m in media] + comments} == {17}


def test_hashtag_search_results_carry_id_and_name(demo: Demo) -> None:
    found = demo.ok(demo.get("/ig_hashtag_search", user_id=demo.acme, q="CoffeeLovers"))["data"]
    assert found == [{"id": found[0]["id"], "name": "coffeelovers"}]


def test_breakdown_values_are_real_ones_with_only_non_zero_buckets(demo: Demo) -> None:
    now = demo.control.now()
    totals = demo.ok(demo.get(f"/{demo.acme}/insights", metric="reach", period="day",
                              metric_type="total_value", breakdown="media_product_type",
                              since=now - 86400 * 3, until=now - 86400 * 2))["data"][0]  # fmt: skip
    results = totals["total_value"]["breakdowns"][0]["results"]
    values = {r["dimension_values"][0] for r in results}
    assert values <= {"AD", "STORY", "REEL", "CAROUSEL_CONTAINER", "POST"} and values
    assert all(r["value"] > 0 for r in results)
    stories = demo.ok(demo.get(f"/{demo.acme}/stories"))["data"]
    seen: set[str] = set()
    for story in stories:
        answer = demo.get(f"/{story['id']}/insights", metric="navigation",
                          breakdown="story_navigation_action_type")  # fmt: skip
        if answer.status_code != 200:
            continue
        buckets = answer.json()["data"][0]["total_value"]["breakdowns"][0]["results"]
        assert all(b["value"] > 0 for b in buckets)
        seen |= {b["dimension_values"][0] for b in buckets}
    assert seen and seen <= {"tap_forward", "tap_back", "tap_exit", "swipe_forward"}


def test_a_minted_facebook_user_token_reads_me_and_its_pages(demo: Demo) -> None:
    token = demo.control.issue_token(demo.acme, kind="fb_user_long")
    me = demo.get("/me", token=token, fields="id,name")
    assert me.status_code == 200 and me.json()["name"]
    pages = demo.ok(demo.get("/me/accounts", token=token, fields="id,instagram_business_account"))
    assert demo.acme in {p.get("instagram_business_account", {}).get("id") for p in pages["data"]}
