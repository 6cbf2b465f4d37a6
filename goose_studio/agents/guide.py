"""The Guide: what to tell the user when a step cannot get through on its own, and how to read the answer.

A question names what failed, what is needed in plain language, what was already tried, and concrete
choices (from ``rules/guides.yaml``), plus how to answer: ``goose-studio resume <run-id> --answer <id>``
on the CLI, ``resume_run(run_id, answer)`` over MCP. A configured brain may add a short explanation in its
own words; the choices always come from the data, so an answer is checked against a closed list.
"""

from __future__ import annotations

from typing import Any

from ..errors import Failure, FailureKind, ToolFailure
from ..runstore import Answer, GuideChoice, Question
from .remedies import Choice, GuideEntry, fix_does_something, guides, requirements_hold

RETRY = Choice(id="retry", label="Run this step again as it is (after you fixed the cause outside the studio)")


def matching_entries(tab: str, kind: FailureKind) -> list[GuideEntry]:
    return [g for g in guides() if g.tab in (tab, "*") and (not g.kinds or kind in g.kinds)]


def choices_for(failure: Failure, options: dict[str, Any], current: dict[str, Any]) -> list[Choice]:
    """The first matching entry's choices (entries go from specific to general) that fit this run, then "retry".

    A choice is left out when its requirements do not hold or its fix would change nothing (e.g. "use
    the embedded model" for a run that already uses it).
    """
    entry = matching_entries(failure.tab or "*", failure.kind)[0]
    fit = [c for c in entry.choices if c.id != RETRY.id and requirements_hold(c.requires, options, failure)
           and (c.param is not None or fix_does_something(c.fix, options, current, failure))]
    return [*fit, RETRY]


def find_choice(failure: Failure, options: dict[str, Any], current: dict[str, Any],
                choice_id: str) -> Choice | None:
    return next((c for c in choices_for(failure, options, current) if c.id == choice_id), None)


def build_question(run_id: str, failure: Failure, options: dict[str, Any], current: dict[str, Any],
                   tried: list[str], explanation: str | None = None) -> Question:
    tab = failure.tab or "*"
    need = matching_entries(tab, failure.kind)[0].need
    choices = [GuideChoice(id=c.id, label=c.label, param=c.param) for c in choices_for(failure, options, current)]
    return Question(run_id=run_id, tab=tab, kind=failure.kind.value, message=failure.message, need=need,
                    explanation=explanation, hint=failure.hint, tried=tried, choices=choices,
                    answer_with=f"goose-studio resume {run_id} --answer <choice>")


def parse_answer(question: Question, raw: str) -> Answer:
    """The answer ``smaller-model`` or ``other-source=URL`` to ``question``, parsed.

    Raises ``invalid_input`` for an answer that is not among the question's choices or lacks its value.
    """
    choice_id, sep, value = (raw or "").strip().partition("=")
    offered = {c.id: c for c in question.choices}
    ids = ", ".join(offered)
    if choice_id not in offered:
        raise ToolFailure(FailureKind.invalid_input, f"'{choice_id}' is not one of the choices offered.",
                          hint=f"Answer with one of: {ids}.", details={"choices": list(offered)})
    param = offered[choice_id].param
    if param and not value.strip():
        raise ToolFailure(FailureKind.invalid_input, f"The choice '{choice_id}' needs a value ({param}).",
                          hint=f"Answer with {choice_id}=<{param}>.", details={"choice": choice_id, "param": param})
    if param == "options":
        from .remedies import parse_option_values

        try:
            parse_option_values(value)
        except ValueError as exc:
            raise ToolFailure(FailureKind.invalid_input, f"The choice '{choice_id}' cannot take '{value}': {exc}.",
                              hint=f"Answer with {choice_id}=epochs=3,lora_rank=32 (any of those options).",
                              details={"choice": choice_id, "param": param}) from None
    if not param and sep:
        raise ToolFailure(FailureKind.invalid_input, f"The choice '{choice_id}' takes no value.",
                          hint=f"Answer with just {choice_id}.", details={"choice": choice_id})
    return Answer(choice=choice_id, value=value.strip() or None)
