"""``appliance ask "question"``: answer from the knowledge base as a caller would hear it."""

from __future__ import annotations

import argparse
import time

from appliance.cli.common import quiet_libraries, settings_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ask", help="answer a question from the knowledge base, sentence by sentence, with timings")
    p.add_argument("question", nargs="+", help="the question (several: asked in turn, as one call)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from appliance.agent import Turn, create_agent
    from appliance.knowledge import create_knowledge_store

    settings = settings_for(args)
    quiet_libraries()
    t0 = time.monotonic()
    store = create_knowledge_store(settings)
    with store:
        agent = create_agent(settings, None, store)
        print(f"(models loaded in {time.monotonic() - t0:.1f} s)")
        history: list[Turn] = []
        for question in args.question:
            print(f"Q: {question}")
            stream = agent.answer(question, history)
            said = []
            for sentence in stream.sentences:
                print(f"   {sentence}", flush=True)
                said.append(sentence)
            history.append(Turn(question, " ".join(said)))

            def ms(v: float | None) -> str:
                return "-" if v is None else f"{v * 1000:.0f} ms"

            how = stream.mode + (f" ({stream.fallback_reason})" if stream.fallback_reason else "")
            print(
                f"   [{how}; retrieval {ms(stream.retrieval_s)}, first token {ms(stream.first_token_s)}, "
                f"first words {ms(stream.first_sentence_s)}, total {ms(stream.total_s)}, {stream.tokens} tokens]"
            )
            for p in stream.sources:
                print(f"   source: {p.source} [{p.title}] score {p.score:.3f}")
    return 0
