"""Chat exports as sources: ChatGPT's conversations.json, Goose session exports (JSON and JSON Lines), and
any list of role/content messages, each turned into one pair per answer."""

from __future__ import annotations

import json

from ingest_helpers import by_path, chatgpt_export, collect, ctx, isolated_env, user_pairs, write  # noqa: F401


def test_chatgpt_export_follows_the_thread_of_each_conversation(tmp_path, ctx):
    export = chatgpt_export([
        [("system", "You are helpful."), ("user", "How do I list tasks?"), ("assistant", "Run minitask list."),
         ("user", "And only open ones?"), ("assistant", "Add --open.")],
        [("user", "Unanswered question")],
    ])
    hidden = export[0]["mapping"]["m0"]["message"]
    hidden["metadata"]["is_visually_hidden_from_conversation"] = True  # ChatGPT's hidden system message
    data = write(tmp_path / "conversations.json", json.dumps(export))
    result = collect(ctx, data)
    entry = by_path(result)[str(data)]
    assert (entry.format, entry.status, entry.pairs) == ("chatgpt-export", "converted", 2)
    pairs = user_pairs(result)
    assert [(p["instruction"], p["output"]) for p in pairs] == [("How do I list tasks?", "Run minitask list."),
                                                               ("And only open ones?", "Add --open.")]
    assert "system" not in pairs[0] and pairs[1]["history"] == [["How do I list tasks?", "Run minitask list."]]


def test_goose_session_export_and_its_jsonl_session_file(tmp_path, ctx):
    export = write(tmp_path / "session.json", json.dumps({
        "id": "20260101_1", "description": "fixing the export",
        "conversation": [
            {"role": "user", "content": [{"type": "text", "text": "Why does export fail on empty lists?"}]},
            {"role": "assistant", "content": [{"type": "toolRequest", "id": "t1", "toolCall": {}}]},
            {"role": "user", "content": [{"type": "toolResponse", "id": "t1", "toolResult": {}}]},
            {"role": "assistant", "content": [{"type": "text", "text": "It indexes the first row; guard it."}]},
        ]}))
    session = write(tmp_path / "20260101_2.jsonl", "\n".join(json.dumps(x) for x in [
        {"working_dir": "/home/me/project", "description": "a session", "message_count": 2},
        {"role": "user", "created": 1, "content": [{"type": "text", "text": "What is a hook?"}]},
        {"role": "assistant", "created": 2, "content": [{"type": "text", "text": "A function run on an event."}]},
    ]) + "\n")
    result = collect(ctx, export, session)
    got = by_path(result)
    assert got[str(export)].format == "goose-session" and got[str(export)].pairs == 1
    assert got[str(session)].format == "goose-session" and got[str(session)].pairs == 1
    assert [p["output"] for p in user_pairs(result)] == ["It indexes the first row; guard it.",
                                                         "A function run on an event."]


def test_a_plain_list_of_messages_and_an_export_without_answers(tmp_path, ctx):
    messages = write(tmp_path / "chat.json", json.dumps([
        {"role": "user", "content": "first"}, {"role": "user", "content": "second part"},
        {"role": "assistant", "content": "one answer"}, {"role": "tool", "content": "ignored"}]))
    unanswered = write(tmp_path / "lonely.json", json.dumps([{"role": "user", "content": "anyone?"}]))
    result = collect(ctx, messages, unanswered)
    assert [(p["instruction"], p["output"]) for p in user_pairs(result)] == [("first\n\nsecond part", "one answer")]
    assert by_path(result)[str(unanswered)].status == "skipped"
