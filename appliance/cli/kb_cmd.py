"""``appliance kb``: ingest a folder of documents, search the knowledge base, list what is in it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from appliance.cli.common import quiet_libraries, settings_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb = sub.add_parser("kb", help="the knowledge base: ingest documents, search them")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)

    p = kb_sub.add_parser("ingest", help="read .md/.txt/.pdf/.docx files under DIR; only changed ones are re-embedded")
    p.add_argument("folder", nargs="?", help="folder of documents (default: knowledge.source_dir)")
    p.add_argument("--tag", help="group for every document (default: front matter 'tag:', else the sub-folder name)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=run_ingest)

    p = kb_sub.add_parser("search", help="print the best chunks for a question, with scores and sources")
    p.add_argument("query")
    p.add_argument("--tag", action="append", help="only this group (repeatable)")
    p.add_argument("-k", "--top-k", type=int, default=None, help="how many chunks (default: knowledge.top_k)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=run_search)

    p = kb_sub.add_parser("list", help="list the stored documents")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=run_list)


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from appliance.knowledge import create_knowledge_store

    settings = settings_for(args)
    quiet_libraries()
    return settings, create_knowledge_store(settings)


def run_ingest(args: argparse.Namespace) -> int:
    settings, store = _store(args)
    folder = Path(args.folder) if args.folder else settings.resolve(settings.knowledge.source_dir)
    t0 = time.monotonic()
    with store:
        report = store.ingest(folder, tag=args.tag)
    for name in report.added:
        print(f"added      {name}")
    for name in report.updated:
        print(f"updated    {name}")
    for name in report.removed:
        print(f"removed    {name}")
    for name, reason in report.skipped.items():
        print(f"skipped    {name}: {reason}")
    print(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.skipped)} skipped; {report.chunks} chunks embedded "
        f"in {time.monotonic() - t0:.1f} s -> {store.location}"
    )
    return 0


def run_search(args: argparse.Namespace) -> int:
    settings, store = _store(args)
    k = args.top_k or settings.knowledge.top_k
    with store:
        t0 = time.monotonic()
        passages = store.search(args.query, top_k=k, tags=tuple(args.tag) if args.tag else None)
        took = time.monotonic() - t0
    if not passages:
        print("no matches (is the knowledge base ingested? `appliance kb ingest`)")
        return 1
    for i, p in enumerate(passages, 1):
        relevant = p.relevant if p.relevant is not None else p.score >= settings.knowledge.min_score
        mark = "" if relevant else "  (not relevant)"
        print(f"{i}. {p.score:.3f}  {p.source}  [{','.join(p.tags)}]  {p.title}{mark}")
        text = " ".join(p.text.split())
        print(f"   {text[:300]}{'...' if len(text) > 300 else ''}")
    print(f"({took * 1000:.0f} ms)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    _, store = _store(args)
    with store:
        docs = store.documents()
    if not docs:
        print("the knowledge base is empty (`appliance kb ingest DIR`)")
        return 1
    for d in docs:
        print(f"{d.get('tag', ''):10} {d.get('chunks', 0):3} chunks  {d.get('source', '')}  ({d.get('root', '')})")
    return 0
