"""The phone agent on llama.cpp: retrieve, prompt a completion model, speak checked sentences.

One ``LlamaModel`` (one llama.cpp context, see llama_model) is loaded per process and shared;
it writes several callers' answers at once.  The prompt starts with a fixed prefix
(instructions and worked examples), then the best passage, whole, then the question.  The
KV state after prefix and passage is saved per passage (``prime`` does every passage at
start), so an answer restores it in ~10 ms and evaluates only its question line: ~20 tokens
instead of ~150.

For each question (lazily, in the thread that iterates ``AnswerStream.sentences``):

1. retrieve top-k passages; none relevant (the store's judgement from dense, lexical and
   product-code evidence, see knowledge.rerank; else a cosine at or above ``min_score``)
   -> the fallback phrase;
2. a question for a figure (a price, a weight, an address) that a sentence or row of the
   relevant passages states for what was asked: that sentence, cut to the figure asked
   (``figures_from_documents``), said at once without the model, which is no better at
   reading it out and often takes the neighbour's figure;
3. otherwise complete "Context: <passage> / Question: "..." / Answer:" and cut the stream into sentences
   (up to ``max_sentences``; just one while another caller's answer is being written);
4. speak a sentence only if it is grounded (its numbers and most of its words are in the
   context), its figures are stated for the product asked and are of the attribute asked
   (a weight is not a price); the first failing sentence ends the answer, and if nothing
   was said the caller hears the passages' own best sentence instead (extractive answer,
   cleaned of layout).  The first sentence's opening words ("The UTM-300 costs") are
   spoken as soon as ``lead_words`` of them are written and pass the same checks, so the
   caller hears the answer begin while the model writes the figure, but only when there
   is an extractive answer to fall back on (never opening words that say yes or no, and
   none for a follow-up, whose "The bigger one ..." names nothing yet): if the whole
   sentence then fails (or the model stops or runs out of time), its rest is never said
   and the caller hears the repair words and the extractive answer ("The UTM-300 costs ... Let me be exact: ..."), never
   a broken sentence or a fallback phrase after opening words;
5. a yes/no question answered with a bare "Yes, you can." is held back: it is said with
   the model's next sentence, or with the extractive sentence that holds the fact, or, when
   nothing in the knowledge base backs it, not at all (the fallback phrase instead);
   a question comparing two named products ("which is heavier, the KP-320 or the KP-420?")
   is answered from each one's figure in the knowledge base (agent.compare), not the model;
6. a model that says "no information" -> the fallback phrase; a model error or the time
   budget running out before anything was said -> the extractive answer if there is one
   that passes the checks (a busy box still answers), else the error fallback.  The budget counts
   from when the model starts on this answer, and an answer whose tokens keep coming goes
   on past it (``Completion``): on a busy box the caller hears "One moment, please" (the
   session's dead-air cap) and then the answer, not a fallback.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Iterator, Sequence

from appliance.agent.base import Agent, AnswerStream, Turn
from appliance.agent.compare import compare, compares, selected_product
from appliance.agent.faq import faq_answer
from appliance.agent.grounding import (
    _PRODUCT,
    asked_attribute,
    asked_count,
    asked_identifier,
    asks_figure as asks_a_figure,
    attribute_fits,
    caller_words_of,
    content_words,
    extractive_pick,
    figure_kinds,
    figures_match_product,
    figures_match_subject,
    figures_of_part,
    finish_opening,
    focus,
    follow_up_questions,
    is_bare_yes_no,
    is_grounded,
    is_yes_no,
    names_offered,
    names_part,
    names_subject,
    numbers,
    offered_thing,
    part_of_product,
    product_pieces,
    states_asked_figure,
    states_count,
    states_identifier,
    synonyms_of,
    times_match_day,
    unit_fits,
)
from appliance.agent.llama_model import LlamaModel
from appliance.agent.prompts import Prompts, one_line, quote_caller
from appliance.agent.sentences import SentenceSplitter
from appliance.agent.spoken_codes import name_spoken_codes
from appliance.knowledge.base import KnowledgeStore, Passage
from appliance.knowledge.lexical import documents_words, standard_words
from appliance.knowledge.rerank import asked_company_detail, asked_part
from appliance.logs import log_event

log = logging.getLogger(__name__)

#: A question that leans on the one before: a pronoun ("and how much does it weigh?", "А сколько
#: он весит?"), or an elliptical "And ...?" / "А ...?" ("А у ВК-220?", "What about the DO-6?").
_REFERS_TO_IT = (r"\b(it|its|it's|they|them|their|that one|this one|the same)\b|"
                 # "What would that set me back?", "the monthly payment on that?" (not "a
                 # model that can ...": "that" as a pronoun ends the clause or follows a verb)
                 r"\bthat(?=\s*[?.!,]|\s*$)|\b(would|will|does|did|is|was|could|can) that\b|"
                 r"(?<!\w)(он|она|оно|они|его|её|ее|ему|ей|им|них|нём|нем|этот|эта|это|эти|этого|этой|"
                 r"у него|у неё|у нее)(?!\w)")
_PRONOUN = re.compile(_REFERS_TO_IT + r"|^\s*(а|и|and|what about|how about)\b(?!\w)", re.IGNORECASE)
#: A question about the very thing just discussed ("How much does that one weigh?"), not a
#: new one asked the same way ("А на фасовочные автоматы?").
_IT = re.compile(_REFERS_TO_IT, re.IGNORECASE)


class LlamaAgent(Agent):
    """Retrieval-grounded answers from a base or instruct model; see the module docstring.
    (Where an answer ends, ``prompts.stop``, depends on the prompt format.)"""

    def __init__(
        self,
        model: LlamaModel,
        store: KnowledgeStore,
        prompts: Prompts,
        *,
        top_k: int = 3,
        min_score: float = 0.30,
        max_tokens: int = 96,
        temperature: float = 0.2,
        time_budget_s: float = 8.0,
        token_gap_s: float = 2.0,
        max_answer_s: float = 30.0,
        history_turns: int = 4,
        max_sentences: int = 2,
        prefer_tags: Sequence[str] = (),
        context_passages: int = 1,
        context_margin: float = 0.1,
        focus_sentences: int = 3,
        extractive_min_score: float = 0.40,
        lead_words: int = 3,
        figures_from_documents: bool = True,
    ) -> None:
        self.model = model
        self.store = store
        #: The prompts and the prefix laid out from them, as one pair: the console swaps them
        #: while calls are answered (``use_prompts``), and a prompt built from the new prefix
        #: with the old markers (or the reverse) would be malformed.  One reference, read once
        #: per prompt.
        self._prompting: tuple[Prompts, str] = (prompts, prompts.prefix())
        self.top_k = top_k
        self.min_score = min_score
        self.max_tokens = max_tokens
        self.temperature = temperature
        #: The model's time per answer from when it starts on it; past it an answer goes on
        #: while its tokens keep coming (``token_gap_s`` apart at most); never past
        #: ``max_answer_s`` from the question (see llama_model.Completion).
        self.time_budget_s = time_budget_s
        self.token_gap_s = token_gap_s
        self.max_answer_s = max_answer_s
        self.history_turns = history_turns
        self.max_sentences = max_sentences
        self.prefer_tags = tuple(prefer_tags)
        self.context_passages = context_passages
        self.context_margin = context_margin
        #: Sentences of each passage kept in the prompt (see grounding.focus).
        self.focus_sentences = focus_sentences
        self.extractive_min_score = extractive_min_score
        #: Words of the first sentence spoken before it is finished (0: whole sentences only).
        self.lead_words = lead_words
        #: A figure the knowledge base's sentence states for what was asked is said from it.
        self.figures_from_documents = figures_from_documents
        model.warm(self.prefix)

    @property
    def prompts(self) -> Prompts:
        return self._prompting[0]

    @property
    def prefix(self) -> str:
        return self._prompting[1]

    def use_prompts(self, prompts: Prompts) -> bool:
        """Answers that start from now on use ``prompts`` (one swap: no answer sees half of
        it); True when the prefix changed, so the model must evaluate and save it anew."""
        old_prefix = self.prefix
        self._prompting = (prompts, prompts.prefix())
        return self.prefix != old_prefix

    def greeting(self) -> str:
        return self.prompts.greeting

    @property
    def in_flight(self) -> int:
        return self.model.in_flight

    @property
    def parallel(self) -> int:
        return self.model.parallel

    # -- retrieval and prompt ------------------------------------------------------------

    def _retrieve(self, question: str, history: Sequence[Turn]) -> tuple[list[Passage], bool]:
        """The passages for ``question``, and whether it leans on the conversation so far."""
        kwargs = {"prefer_tags": self.prefer_tags} if self.prefer_tags else {}
        passages = self.store.search(question, top_k=self.top_k, **kwargs)
        asking = asked_part(question)
        if (not passages or not self._relevant(passages[0])) and asking != question:
            # The caller's story around the question ("I can't stump up four grand in one go for
            # a counter.") can bury what is asked ("Is there any way of paying it off bit by
            # bit?"): the question alone, with the products the story names, is looked up too.
            codes = " ".join(dict.fromkeys(_PRODUCT.findall(question)))
            alone = self.store.search(asking, top_k=self.top_k, context=codes, **kwargs)
            if alone and self._relevant(alone[0]):
                passages = alone
        # A follow-up ("and how much does it weigh?") leans on the previous question; a new
        # short question ("how long is the warranty?") must not, or it inherits the last topic.
        follow_up = bool(_PRONOUN.search(question))
        if history and (follow_up or not passages or not self._relevant(passages[0])):
            again = self.store.search(question, top_k=self.top_k, context=leaned_on(history[-1], question), **kwargs)
            if again and (not passages or follow_up or again[0].score > passages[0].score):
                return again, True
        return passages, False

    def _compare(self, question: str) -> str | None:
        """The answer to a question comparing two named products, from their figures."""
        kwargs = {"prefer_tags": self.prefer_tags} if self.prefer_tags else {}
        try:
            return compare(question, lambda query: [p for p in self.store.search(query, top_k=self.top_k, **kwargs)
                                                    if self._relevant(p)])
        except Exception as exc:  # noqa: BLE001 - the ordinary answer path still stands
            log_event(log, "agent.compare_failed", level=logging.WARNING, error=str(exc)[:200])
            return None

    def _selected(self, question: str) -> str | None:
        """The product a question picks by rank ("the smaller dust extractor"), see
        agent.compare.selected_product."""
        kwargs = {"prefer_tags": self.prefer_tags} if self.prefer_tags else {}
        try:
            # (a wider search: every member of the family must be found)
            return selected_product(question, lambda query: [
                p for p in self.store.search(query, top_k=max(8, self.top_k), **kwargs) if self._relevant(p)])
        except Exception as exc:  # noqa: BLE001 - the question as asked still stands
            log_event(log, "agent.select_failed", level=logging.WARNING, error=str(exc)[:200])
            return None

    def _relevant(self, p: Passage) -> bool:
        """Whether a passage bears on the question: the store's judgement when it gives one
        (it weighs rare words and product codes, not the cosine alone), else the cosine."""
        return p.relevant if p.relevant is not None else p.score >= self.min_score

    @staticmethod
    def _passage_line(p: Passage) -> str:
        title = p.title.split(" > ")[-1] if p.title else ""
        text = one_line(f"{title}: {p.text}" if title else p.text)
        return text.replace("<|", "< |").replace("|>", "| >")  # a document cannot end the chat turn

    def context_head(self, passage: Passage, prompting: tuple[Prompts, str] | None = None) -> str:
        """The prompt up to the end of its first passage: the part whose state is saved."""
        prompts, prefix = prompting or self._prompting
        return f"{prefix}{prompts.context_open}Context: {self._passage_line(passage)}"

    def build_prompt(self, question: str, passages: Sequence[Passage],
                     history: Sequence[Turn] = ()) -> tuple[str, str]:
        """(head, prompt): the whole completion prompt, and its beginning up to the end of the
        first passage (``context_head``), which is the same for every question that passage
        answers.  So the passage comes whole, and what depends on the question (further
        passages, earlier turns, the question) comes after it.  Passages are dropped or cut
        to fit the context window."""
        turns = list(history)[-self.history_turns :] if self.history_turns else []
        earlier = ""
        if turns:
            earlier = "".join(
                f"Earlier question: {quote_caller(t.caller)}\nEarlier answer: {one_line(t.agent)}\n" for t in turns
            )
        budget = self.model.n_ctx - self.max_tokens - 16
        chosen = list(passages)
        prompting = self._prompting
        while True:
            head = self.context_head(chosen[0], prompting)
            more = "".join(f" {self._passage_line(p)}" for p in chosen[1:])
            prompt = f"{head}{more}\n{earlier}Question: {quote_caller(question)}{prompting[0].answer_open}"
            if self.model.count_tokens(prompt) <= budget:
                return head, prompt
            if len(chosen) > 1:
                chosen.pop()
            elif earlier:
                earlier = ""
            else:
                p = chosen[0]
                chosen = [Passage(p.text[: int(len(p.text) * 0.7)], p.source, p.score, p.title, p.tags)]

    def prime(self) -> int:
        """Evaluate and save the prompt state of every passage the store holds, so the first
        question on any of them is as quick as the next; returns how many states are kept.

        Run at start and after the knowledge base changes: states of passages no longer
        stored are dropped, saved ones kept.  The model saves one passage at a time between
        its decoding steps, so calls are served meanwhile.  Past the memory budget the rest
        are saved as they are asked about (the least recently used give way).
        """
        t0 = time.monotonic()
        states = self.model.states
        heads = [self.context_head(p) for p in self.store.passages()]
        states.keep_only(set(heads))  # (the bare prefix's state is pinned)
        added = 0
        for head in heads:
            if not states.max_bytes or states.full:
                break
            added += self.model.prime(head)
        log_event(log, "agent.primed", passages=len(heads), saved=len(states), added=added,
                  mb=round(states.bytes / 2**20, 1), took_s=round(time.monotonic() - t0, 2))
        return sum(h in states for h in heads)

    # -- answering -------------------------------------------------------------------------

    def answer(self, question: str, history: Sequence[Turn] = ()) -> AnswerStream:
        stream = AnswerStream(sentences=iter(()))
        stream.sentences = self._run(stream, question, tuple(history))
        return stream

    def _fallback(self, stream: AnswerStream, reason: str, error: bool = False) -> Iterator[str]:
        stream.fell_back = True
        stream.fallback_reason = reason
        stream.mode = "fallback"
        yield self.prompts.error_fallback if error else self.prompts.fallback

    def _known_codes(self) -> dict[str, str]:
        """The knowledge base's product codes; none when the store cannot list them (it is
        down: retrieval then says so)."""
        try:
            return self.store.known_codes()
        except Exception as exc:
            log_event(log, "agent.codes_unavailable", level=logging.DEBUG, error=str(exc)[:200])
            return {}

    def _run(self, stream: AnswerStream, question: str, history: tuple[Turn, ...]) -> Iterator[str]:
        t0 = time.monotonic()
        try:
            yield from self._answer(stream, question, history, t0)
        finally:
            stream.total_s = time.monotonic() - t0
            log_event(
                log,
                "agent.answered",
                mode=stream.mode,
                reason=stream.fallback_reason or None,
                retrieval_s=_r(stream.retrieval_s),
                first_token_s=_r(stream.first_token_s),
                prompt_cached=stream.prompt_cached,
                first_sentence_s=_r(stream.first_sentence_s),
                total_s=_r(stream.total_s),
                tokens=stream.tokens,
                sources=",".join(sorted({p.source for p in stream.sources})) or None,
            )

    def _answer(self, stream: AnswerStream, question: str, history: tuple[Turn, ...], t0: float) -> Iterator[str]:
        question = standard_words(one_line(question))  # ("Where are ye?" is "Where are you?")
        question = name_spoken_codes(question, self._known_codes())  # ("the sixteen-hundred": "the QR-1600")
        if not content_words(question):
            stream.retrieval_s = 0.0
            yield from self._fallback(stream, "empty question")
            return
        picked = self._selected(question)
        if picked:
            # "How much is the smaller dust extractor?": the family member meant, by name
            question = f"{question.rstrip(' ?.')}, the {picked}?"
        try:
            passages, leans_on_history = self._retrieve(question, history)
        except Exception as exc:  # the store is down: say so politely, log the cause
            log_event(log, "agent.retrieval_failed", level=logging.WARNING, error=str(exc)[:200])
            stream.retrieval_s = time.monotonic() - t0
            yield from self._fallback(stream, "retrieval failed", error=True)
            return
        stream.retrieval_s = time.monotonic() - t0
        compared = self._compare(question)
        if compared:
            # Two products compared: each one's figure looked up and the two compared (see
            # agent.compare); a small model reading one passage names the wrong one.
            stream.mode = "compared"
            stream.sources = [p for p in passages if self._relevant(p)]
            stream.first_sentence_s = time.monotonic() - t0
            yield compared
            return
        relevant = [p for p in passages if self._relevant(p)]
        stream.sources = relevant
        if not relevant:
            yield from self._fallback(stream, "nothing relevant in the knowledge base")
            return
        if stream.cancel.is_set():
            return

        # A small model answers best from little text: the best passage (whole, so its prompt
        # state is saved and reused) and, if configured, close runners-up cut to the
        # sentences that bear on the question.
        in_prompt = [p for p in relevant if p.score >= relevant[0].score - self.context_margin][: self.context_passages]
        pieces = product_pieces(in_prompt)
        # What is said if the model's answer fails its checks: the passages' own best sentence.
        # Opening words are only said early when there is one, so that what follows them is
        # always a whole sentence (the model's, or this one after the repair words).
        about = leaned_on(history[-1], question) if leans_on_history and history else ""  # a follow-up's subject
        # "А у ВК-220?" after a question about the ВК-310's output asks for the output: the
        # checks read the attribute (and a product not named again) from the question before.
        _, asked_q = follow_up_questions(question, about)
        # (when the store judged the passage relevant, from its words and codes as well as the
        # cosine, that judgement stands; the cosine gate is for stores that do not judge)
        trusted = relevant[0].relevant if relevant[0].relevant is not None else (
            relevant[0].score >= self.extractive_min_score)
        yes_no = is_yes_no(question)
        # "How much is a replacement wash arm for the QU-500?": a figure of a part of the
        # product is said only from a sentence naming that part, never another part's row.
        part = part_of_product(asked_q) if asks_a_figure(asked_q) and not yes_no else frozenset()
        backup, backup_heading = extractive_pick(
            asked_q, relevant, about=about,
            keep=(lambda s, h: names_part(f"{h.rsplit(' > ', 1)[-1]} {s}", part)) if part else None,
        ) if trusted else ("", "")
        if (asked_count(asked_q) and not states_count(backup)
                or asked_identifier(asked_q) and not states_identifier(backup)):
            # "How many machines did you sell last year?" is not answered by "... 180 EUR per
            # machine", nor "What's your VAT registration number?" by "VAT (currently 23%)".
            backup, backup_heading = "", ""
        # ... and only when that sentence states the figure asked for (a price for a price
        # question): after opening words, an unrelated sentence would be no answer at all.
        # (not for a yes/no question: its "Yes, we" may turn out to be a bare yes that
        # nothing in the knowledge base backs, which must not be said; see below)
        backup_states_asked = bool(backup) and states_asked_figure(backup, asked_q)
        early_ok = backup_states_asked and not yes_no
        # ("And how heavy is it?" after the HW-14's price; "What would it be for the full
        # week?" after "hiring your petrol backpack blower": what the question before named)
        names_what_was_asked = bool(backup) and (names_subject(backup, asked_q) or asked_company_detail(asked_q)
                                                 or bool(about) and names_subject(backup, about))
        if self.figures_from_documents and early_ok and not compares(question) and names_what_was_asked:
            # The knowledge base's own sentence states the figure asked, for what was asked:
            # that is the answer, said at once.  A small model reading the same passage picks
            # the neighbour's figure or the wrong line often enough that its words are no
            # better (measured: bench/README.md, "Figures from the documents").
            yield from _from_documents(
                stream, "the knowledge base's sentence states the figure asked",
                said_as_a_price(backup) if asked_attribute(asked_q) == "price" else backup, t0)
            return
        held = ""  # a bare "Yes, you can." not said yet, waiting for the fact that backs it
        # A figure question ("Почём ВК-150?") whose first sentences state no figure of the
        # attribute asked ("ВК-150 — это компрессор ..."): held until a sentence with the
        # figure follows; if none does, the knowledge base's sentence with it is said instead.
        asks_figure = asks_a_figure(asked_q) and not yes_no
        figureless, figureless_sentences = "", 0
        figure_said = False  # a sentence said states a figure of the attribute asked
        in_prompt = in_prompt[:1] + [
            dataclasses.replace(p, text=focus(question, p, self.focus_sentences)) for p in in_prompt[1:]]
        context = " ".join(self._passage_line(p) for p in in_prompt)
        spoken = 0  # whole sentences said
        lead = ""  # the opening words of the sentence being written, already said
        verdict = ""  # why generation stopped early: refused / ungrounded / timeout / error
        try:
            # Earlier turns go in the prompt only for a question that needs them: each costs
            # ~40 tokens of prompt evaluation (~0.1 s on 2 cores) on every later turn.
            head, prompt = self.build_prompt(question, in_prompt, history if leans_on_history else ())
            splitter = SentenceSplitter()
            no_answer = self.prompts.no_answer
            completion = self.model.complete(
                head,
                prompt,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                top_p=0.9,
                repeat_penalty=1.1,
                stop=self.prompts.stop,
                deadline=t0 + max(self.max_answer_s, self.time_budget_s),
                budget_s=self.time_budget_s,
                token_gap_s=self.token_gap_s,
            )
            timed_out = False

            def lead_ok(words: str) -> bool:
                return not self._judge(words, context, question, no_answer, 0, pieces, opening=True)

            kb_pieces = product_pieces(relevant)

            def candidates() -> Iterator[tuple[str, bool]]:
                """(text, is_lead): the first sentence's checked opening words as soon as
                they are written, then sentences as the tokens complete them."""
                nonlocal timed_out
                # (not for a follow-up: "The bigger one ..." names nothing until the model has
                # worked out which one; its repair would follow words that said nothing)
                lead_taken = not self.lead_words or not early_ok or leans_on_history
                pieces_in = iter(completion)
                while True:
                    try:
                        text = next(pieces_in)
                    except StopIteration:
                        break
                    except TimeoutError:
                        timed_out = True
                        return
                    if stream.cancel.is_set():
                        return
                    stream.tokens += 1
                    if stream.first_token_s is None:
                        stream.first_token_s = time.monotonic() - t0
                        stream.prompt_cached = bool(getattr(completion, "prompt_cached", False))
                    done = splitter.feed(text)
                    if not done and not lead_taken:
                        opening = splitter.take_lead(self.lead_words, lead_ok)
                        if opening:
                            lead_taken = True
                            yield opening, True
                    lead_taken = lead_taken or bool(done)
                    yield from ((sentence, False) for sentence in done)
                yield from ((sentence, False) for sentence in splitter.flush())

            try:
                for piece, is_lead in candidates():
                    whole = f"{lead} {piece}" if lead else piece  # the sentence, judged whole
                    verdict = "" if is_lead else self._judge(whole, context, question, no_answer, spoken, pieces,
                                                             kb_pieces=kb_pieces, about=about,
                                                             subject_passages=in_prompt, part=part)
                    if verdict:
                        log_event(log, "agent.sentence_rejected", level=logging.DEBUG, why=verdict, text=whole)
                        break
                    if not is_lead and yes_no and not spoken and not held and is_bare_yes_no(whole, question):
                        # "Yes, we do." with no fact: held back until a fact backs it (the
                        # model's next sentence, or the knowledge base's); small models say
                        # "yes" to what the passage never answers.
                        held = piece
                        continue
                    if (asks_figure and not is_lead and not lead and not spoken and not held
                            and not states_asked_figure(whole, asked_q)):
                        figureless = f"{figureless} {piece}".strip()
                        figureless_sentences += 1
                        if figureless_sentences >= self.max_sentences:
                            break
                        continue
                    if stream.first_sentence_s is None:
                        stream.first_sentence_s = time.monotonic() - t0
                    stream.mode = "generated"
                    if figureless:
                        yield figureless
                        spoken += 1
                        figureless = ""
                    if held:
                        yield held
                        spoken += 1
                        held = ""
                    if is_lead:
                        lead = piece
                    else:
                        lead = ""
                        spoken += 1
                        figure_said = figure_said or states_asked_figure(whole, asked_q)
                    yield piece
                    if stream.cancel.is_set() or spoken >= self.max_sentences:
                        break
                    if spoken and self.model.in_flight > 1:
                        # Another caller's answer is being written too: one whole sentence
                        # is the answer (the rest would slow theirs, or be their dead air).
                        log_event(log, "agent.cut_short", level=logging.DEBUG, others=self.model.in_flight - 1)
                        break
                if timed_out:
                    verdict = "timeout"
            finally:
                completion.close()
        except Exception as exc:
            log_event(log, "agent.model_failed", level=logging.WARNING, error=f"{type(exc).__name__}: {exc}"[:200])
            verdict = "error"
        if stream.cancel.is_set():
            return
        # The FAQ entry whose question is the caller's, in other words: read out when the
        # model declines or says a bare yes (see ``faq_answer``).
        faq = faq_answer(asked_q, relevant) if trusted and not spoken and not lead else ""
        if held and not spoken and not lead:
            offered = offered_thing(asked_q)  # ("Do you do sliding glass doors?": what a fact must name)

            def shows_answer(sentence: str, heading: str) -> bool:
                return (not is_bare_yes_no(sentence, question) and _bears_on(sentence, question, heading)
                        and names_offered(f"{heading.rsplit(' > ', 1)[-1]} {sentence}", offered))

            if backup and not shows_answer(backup, backup_heading):
                # (the best sentence for the question in general, a price row that names the
                # product, may not be the one that answers its yes or no: the best that does)
                backup, backup_heading = extractive_pick(asked_q, relevant, about=about, keep=shows_answer)
            if backup:
                # "Yes, you can." and nothing more: the caller hears the knowledge base's fact
                # that answers it, and not the model's yes, which small models say to anything
                # ("Yes, we are open on Saturdays." before "the sales office is closed on Saturdays").
                yield from _from_documents(
                    stream, "a bare yes or no: the knowledge base's fact said instead",
                    backup, t0)
                return
            if faq:
                # ("Would you hire me a ride-on? I'm not a business.": the FAQ entry that asks it)
                yield from _from_documents(stream, "a bare yes or no: the FAQ entry asking it answers", faq, t0)
                return
            # A bare yes or no that nothing in the knowledge base backs: not said.
            yield from self._fallback(stream, "a bare yes or no without a fact")
            return
        if figureless and not spoken and not lead:
            stream.first_sentence_s = time.monotonic() - t0
            if backup_states_asked:
                # No figure of the attribute asked in what the model wrote: the knowledge
                # base's sentence that states it is the answer.
                stream.mode = "extractive"
                stream.fallback_reason = "no figure of the attribute asked"
                yield backup
            else:
                stream.mode = "generated"
                yield figureless
            return
        if spoken:
            if asks_figure and not figure_said and backup_states_asked:
                # The model's sentences (after opening words) never gave the figure asked:
                # the caller hears the knowledge base's sentence that does.
                stream.fallback_reason = "figure added from the knowledge base"
                yield backup
            return
        if lead:
            # Opening words were said and the rest failed (or never came): the caller hears
            # them joined to the knowledge base's own sentence, never a broken sentence or a
            # fallback phrase.
            stream.mode = "extractive"
            stream.fallback_reason = f"repaired after opening words ({verdict or 'unfinished'})"
            rest = finish_opening(lead, backup, asked_q)
            yield rest if rest else f"{self.prompts.repair} {backup}".strip()
            return
        if verdict == "error" or verdict == "timeout" and not backup:
            yield from self._fallback(stream, f"model {verdict}", error=True)
            return
        if verdict == "refused":
            if backup_states_asked and not yes_no and names_what_was_asked:
                # The small model gave up, but the passage the store judged relevant has a
                # sentence about what was asked that states the figure asked ("What do you
                # charge to send a small order?" -> "Smaller orders are charged 65 euros per
                # pallet."): that is the answer.  (A sentence naming nothing asked about, only
                # a price, is another thing's price: the model was right to give up.)
                yield from _from_documents(
                    stream, "the model found no answer; the knowledge base's sentence states it",
                    backup, t0)
                return
            if not yes_no and _ASKS_WHO.search(asked_q) and _PERSON.search(backup) \
                    and _bears_on(backup, asked_part(asked_q)):
                # "Who's your hire manager?": the knowledge base's line that names a person
                # for the role asked ("Gráinne Walsh, hire manager.") is the answer.
                yield from _from_documents(
                    stream, "the model found no answer; the knowledge base names the person",
                    backup, t0)
                return
            if faq:
                # The best passage is an FAQ entry asking what the caller asks, in other words
                # ("Will you hire to me? I'm not a business."): its answer is the answer.
                yield from _from_documents(
                    stream, "the model found no answer; the FAQ entry asking it answers",
                    faq, t0)
                return
            yield from self._fallback(stream, "the model found no answer in the context")
            return
        # Empty or off-context generation: say what the best passage says.
        text = backup
        if not text:
            yield from self._fallback(stream, "no usable answer")
            return
        # ("three-group" is a number to ``numbers``, but states no figure: digits do)
        digits = any(ch.isdigit() for ch in _PRODUCT.sub(" ", text))
        if asks_figure and not backup_states_asked and (any(figure_kinds(text).values())
                                                        or asked_attribute(asked_q) and not digits):
            # Its figures are of another kind than asked ("Цена: 398 000 руб." for the
            # motor's kilowatts), or it has no figure at all for "how loud?": a wrong answer,
            # not a fallback's honest one.  (A figure in a unit of no known kind, "150
            # horsepower" for "What size tractor?", may well be the answer.)
            yield from self._fallback(stream, "no figure of the attribute asked")
            return
        stream.mode = "extractive"
        stream.fallback_reason = f"model {verdict}, extractive answer" if verdict == "timeout" else (
            verdict or "empty generation")
        stream.first_sentence_s = time.monotonic() - t0
        yield text

    def _judge(self, sentence: str, context: str, question: str, no_answer: str, spoken: int,
               pieces: list[str] | None = None, opening: bool = False, kb_pieces: list[str] | None = None,
               about: str = "", subject_passages: Sequence[Passage] = (), part: frozenset[str] = frozenset()) -> str:
        """"" if the sentence (or a sentence's ``opening`` words) may be spoken, else why not.

        Opening words have few content words ("The UTM-300 costs": one of two is not in a
        price list), so half of them known is enough there; their sentence is judged whole
        before its rest, which holds the facts, is said.
        """
        if _is_refusal(sentence, no_answer):
            return "refused"
        if _FOREIGN_SCRIPT.search(sentence) and not _FOREIGN_SCRIPT.search(question):
            return "foreign_script"  # Qwen slips into Chinese mid-sentence ("DR-36 производительнее,因为它 ...")
        if sentence.rstrip().endswith("?"):
            return "question"  # the model asking (or echoing the caller's question) is no answer
        if opening and _YES_OR_NO.match(sentence):
            # "Yes, we sell ...": the yes is the answer, and only the whole sentence's facts
            # can back it (a bare or wrong yes is held back; see ``is_bare_yes_no``)
            return "yes_no_opening"
        if _echoes(sentence, question, run=2 if opening else 5, at_start=opening):
            return "echo"  # "I'd like to come and have a look." back to the caller who said it
        if not opening and _says_nothing_new(sentence, question):
            return "echo"  # "The battery is not drinking water." to "What water should I pour in?"
        if not is_grounded(sentence, context, question, min_overlap=0.5 if opening else 0.6):
            return "ungrounded"
        product_q, asked_q = follow_up_questions(question, about)
        if pieces is not None and not figures_match_product(sentence, product_q, pieces):
            return "wrong_product"  # (a follow-up's "он" is the product asked before)
        figure_pieces = kb_pieces if kb_pieces is not None else pieces or [context]
        if not attribute_fits(sentence, asked_q, figure_pieces, about):
            return "wrong_attribute"  # a weight said as the price
        if not opening and not unit_fits(sentence, asked_q, figure_pieces):
            return "wrong_attribute"  # the cooling capacity's watts for "in kilowatts?"
        if subject_passages and not opening and not figures_match_subject(sentence, asked_q, subject_passages):
            return "wrong_subject"  # the ovens' warranty said for a mixer
        if subject_passages and not opening and not times_match_day(sentence, asked_q, subject_passages):
            return "wrong_subject"  # Saturday's hours said for Friday
        if part and not opening and not figures_of_part(sentence, part, subject_passages):
            return "wrong_part"  # the installation's price said for a portafilter
        return ""


#: Scripts of neither pack (Chinese, Japanese, Korean): a sentence with them, to a question
#: without them, is the model code-switching, which the voice cannot say.
_FOREIGN_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")

_REFUSALS = ("sorry", "don't have", "do not have", "no information", "can only answer", "cannot answer", "can't answer",
             "к сожалению", "нет информации", "нет такой информации", "не могу ответить")


_WORDS = re.compile(r"\w+")
#: A question for a person ("Who's your hire manager?", "Кто у вас главный инженер?").
_ASKS_WHO = re.compile(r"\bwho(?:'s| is| are|m)?\b|(?<![а-яё])(кто|кого|кому)(?![а-яё])", re.IGNORECASE)
#: A person's name: two capitalised words, the first not a sentence's usual opening.
_PERSON = re.compile(r"\b(?!(?:The|Our|We|Your|This|Every|All)\b)[A-ZА-ЯЁ][a-zа-яё'’áéíóú-]+ [A-ZА-ЯЁ][a-zа-яё'’áéíóú-]+\b")


#: Opening words that say yes or no.
_YES_OR_NO = re.compile(r"\s*(?:yes|no|yeah|nope|да|нет)\b", re.IGNORECASE)


def _echoes(sentence: str, question: str, run: int = 5, at_start: bool = False) -> bool:
    """The sentence is the caller's own words said back: it is (almost) all a run of at
    least ``run`` words of the question, in order (``at_start``: the words the question
    opens with, as opening words that begin to repeat it: "I'd like to ...")."""
    said = _WORDS.findall(sentence.lower())
    core = said[1:] if said and said[0] in ("yes", "no", "да", "нет") else said
    if len(core) < run:
        return False
    asked = " ".join(_WORDS.findall(question.lower()))
    return f"{asked} ".startswith(f"{' '.join(core)} ") if at_start else f" {' '.join(core)} " in f" {asked} "


def _says_nothing_new(sentence: str, question: str) -> bool:
    """The sentence only rearranges the caller's words (no figure, no word of its own) to a
    question that asks for something (a yes/no question's "Yes, we do." is judged apart)."""
    if is_yes_no(question) or numbers(_PRODUCT.sub(" ", sentence)) - numbers(question):
        return False
    words = content_words(sentence)
    return bool(words) and words <= content_words(question)


#: A sentence whose subject is what its heading names.
#: (an FAQ's "No. The DO ovens are electric only." answers its heading's question)
_REFERS_BACK = re.compile(r"(?:it|its|it's|they|these|this|there)\b|(?:yes|no|да|нет)[.,!]", re.IGNORECASE)


_PRICE_ROW = re.compile(r"^([^:]{2,80}?):\s+((?:[€$£₽]\s?)?\d[^:]*)$")


def said_as_a_price(row: str) -> str:
    """A price list's row said as a sentence: "UTM-300 (300 kN capacity): 54,000 euros." ->
    "UTM-300 (300 kN capacity) costs 54,000 euros." ("Пресс ПГ-250 стоит 2 900 000 рублей."):
    a caller hears a price, not a label and a pause.  Other rows are said as they are."""
    m = _PRICE_ROW.match(row.strip())
    if m is None or not any(c.isdigit() for c in m.group(2)):
        return row
    verb = "стоит" if re.search(r"[а-яё]", m.group(1), re.IGNORECASE) else "costs"
    return f"{m.group(1)} {verb} {m.group(2)}"


def _from_documents(stream: AnswerStream, reason: str, text: str, t0: float) -> Iterator[str]:
    """Say the knowledge base's own sentence (``text``) as the answer, and note why."""
    stream.mode = "extractive"
    stream.fallback_reason = reason
    stream.first_sentence_s = time.monotonic() - t0
    yield text


def leaned_on(turn: Turn, question: str) -> str:
    """What a follow-up leans on: the question before, and when that named no product and
    the follow-up points at "it" ("How much does that one weigh?"), the product the answer
    named ("What's the largest dryer you make?" -> "The HD-35 ...")."""
    if _PRODUCT.search(turn.caller) or not _IT.search(question):
        return turn.caller
    named = _PRODUCT.search(turn.agent)
    return f"{turn.caller} {named.group(0)}" if named else turn.caller


def _bears_on(sentence: str, question: str, heading: str = "") -> bool:
    """The sentence is a fact that shows a yes or a no, not just a sentence about the same
    product: it shares half of the question's content words, or two of them, or names the
    product asked about and one more thing asked ("Can I get the HD-25 to run on gas?" ->
    "Gas heating option for HD-25 and HD-35: 650 EUR.").  A caller's yes/no question is often
    long ("If I spend about four thousand euros, is the delivery free?"), half of it chat.
    A sentence that opens with a pronoun says what its section ``heading`` names ("It is
    closed on Sundays and Mondays." under "Showroom and opening hours"), as does an FAQ's
    answer opening with "Yes." or "No." (its heading is the question it answers), and a word the
    knowledge base says instead of the caller's counts as the caller's ("power" for
    "supply", see ``SYNONYMS``)."""
    asked = content_words(_PRODUCT.sub(" ", documents_words(question)))  # ("packs up": "breakdown")
    refers_back = _REFERS_BACK.match(sentence)
    said = content_words(_PRODUCT.sub(" ", f"{sentence} {heading}" if refers_back else sentence))
    said |= {s for w in said for s in synonyms_of(w)}
    # ("hire" is asked, "we rent out" is said: the documents' word for the caller's)
    shared = {w for w in asked if w in said or caller_words_of(w) & said}
    if len(shared) >= max(1, (len(asked) + 1) // 2) or len(shared) >= 2:
        return True
    # (a line under the product's own heading is about it: "16 A supply ... (it will not run
    # on a 13 A plug)" under "QC-10 blast chiller")
    same_product = {c.lower() for c in _PRODUCT.findall(question)} & {
        c.lower() for c in _PRODUCT.findall(f"{sentence} {heading.rsplit(' > ', 1)[-1]}")}
    return bool(same_product and shared)


def _is_refusal(sentence: str, no_answer: str) -> bool:
    low = sentence.lower().replace("’", "'")
    if no_answer and low.startswith(no_answer.lower()[:20]):
        return True
    return any(r in low for r in _REFUSALS)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
