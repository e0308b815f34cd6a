"""Reading Norwegian (bokmål, nynorsk) and English text into comparable keys.

Plain functions and one `Analyzer` holding the language data from
`knowledge/search/language.yaml`. A word becomes a small set of *keys*: its Snowball
("norwegian") stem and its simplemma lemmas (nb and nn), all lower-case and *folded*
(æ→ae, ø→o, å→a, aa→a, oe→o), so "møbler", "moebler" and "mobler" meet, and so do
"rotter"/"rotte" and "bøker"/"bok". Hyphenated words ("hev-senk-pult") are compounds whose
parts are known; other compounds are split against the register's own vocabulary by
`split_compound` (the index supplies the lexicon).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
import Stemmer
from pydantic import BaseModel, Field

from agreements_sync.knowledge import load_model
from agreements_sync.limits import MAX_WORD_CHARS
from bot.lowercase import lower

_STEMMER = Stemmer.Stemmer("norwegian")
_DERIVED_RE = re.compile(r"^(.{4,}?)ing(?:en|er|ene|a)?$")
_CLAUSE_BREAK = re.compile(r"[,;.:!?()]")
LETTER_WORDS = re.compile(r"[^\W\d_]+")  # runs of letters: the words of a text without digits or punctuation
_WORD_RE = re.compile(r"[0-9a-zæøåäöüéèáàóòúçñ]+(?:[-'’][0-9a-zæøåäöüéèáàóòúçñ]+)*")
_FOLD_TABLE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "ae", "ö": "o", "ü": "u", "é": "e",
                             "è": "e", "á": "a", "à": "a", "ó": "o", "ò": "o", "ú": "u", "ç": "c",
                             "ñ": "n"})


class ExclusionMarkers(BaseModel):
    before: list[str]
    after: list[str]
    stop: list[str]
    separators: list[str]
    # word pairs joined by a separator that are one phrase, not two items ("til og fra")
    pairs: list[str] = Field(default_factory=list)
    subject_verbs: list[str] = Field(default_factory=list)
    # abbreviations whose full stop ends no statement ("f.eks.", "bl.a.", "e.g.")
    abbreviations: list[str] = Field(default_factory=list)
    # words opening a parenthesis of examples ("(f.eks. fysioterapi, kiropraktor)"): its items are
    # excluded too, not a referral elsewhere
    example_words: list[str] = Field(default_factory=list)
    # words that send an excluded item elsewhere, not part of the name they send it to: "(se catering)"
    referral_words: list[str] = Field(default_factory=list)
    # an excluded item that is only the agreement's own thing bought ("Omfatter ikke kjøp av
    # matter" on a rental agreement): these nouns say so; a question with a `purchase_cues` word
    # ("kjøpe egne matter", "buy our own mats") asks for what is excluded
    purchase_words: list[str] = Field(default_factory=list)
    purchase_cues: list[str] = Field(default_factory=list)
    # an excluded item about new things ("nye anlegg over 500 000 kr"): the question must say new too
    new_words: list[str] = Field(default_factory=list)


class LanguageData(BaseModel):
    stopwords: dict[str, list[str]]
    context_prepositions: list[str]
    # verbs of needing: the words before them name who needs ("hjemmesykepleien trenger to biler"),
    # the words after them what is needed
    need_verbs: list[str] = Field(default_factory=list)
    # teaching and advice whose subject follows a preposition ("kurs i førstehjelp"): no context there
    subject_heads: list[str] = Field(default_factory=list)
    # after someone hired (`agent_heads`), a preposition with the infinitive marker ("konsulent til å
    # kartlegge kulturminner", English "to") says what is to be done: no context
    agent_heads: list[str] = Field(default_factory=list)
    infinitive_markers: list[str] = Field(default_factory=list)
    weak_words: list[str] = Field(default_factory=list)
    # units and containers a quantity is counted in ("2 000 pakker hansker", "ti esker med
    # kopipapir", "boxes of gloves"): before the thing counted (directly, or after `measure_links`)
    # they are not what is asked for
    measure_words: list[str] = Field(default_factory=list)
    measure_links: list[str] = Field(default_factory=list)
    # the settings an agreement's title can be limited to ("Vikartjenester – barnehage"): each
    # setting's words ("skole*" a prefix, "*lærer" an ending, else the whole word or phrase)
    sectors: dict[str, list[str]] = Field(default_factory=dict)
    spelling_rules: list[tuple[str, str]]
    framing_phrases: list[str] = Field(default_factory=list)
    word_map: dict[str, str] = Field(default_factory=dict)
    # words kept whole, not stemmed: English words the Norwegian stemmer would turn into another
    # word ("care" → "car")
    keep_whole: list[str] = Field(default_factory=list)
    # words that set aside what follows them in a question ("toner (ikke til kopimaskinen)",
    # "entrématter, ikke leie", "we want to buy, not lease, a pickup")
    negations: list[str] = Field(default_factory=list)
    # words before the number of a district, zone or lot an agreement is split by ("rode 5–8",
    # "sone 2"): a question naming one is about the agreements of that district (bot.search.engine)
    district_words: list[str] = Field(default_factory=list)
    # conjunctions that start a clause of their own after a comma ("…, og vi trenger kontorstoler"):
    # an unsure answer to a question of several clauses is checked clause by clause (bot.search.engine)
    clause_conjunctions: list[str] = Field(default_factory=list)
    # … and without the comma when a subject follows ("… på rådhuset og vi trenger kontorstoler")
    clause_subjects: list[str] = Field(default_factory=list)
    exclusions: ExclusionMarkers


def load_language() -> LanguageData:
    return load_model("search/language.yaml", LanguageData)


@lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Lower-case ASCII-ish form: æ→ae, ø→o, å→a; the spellings aa and oe fold the same way."""
    folded = word.lower().translate(_FOLD_TABLE)
    return folded.replace("aa", "a").replace("oe", "o")


def normalise(text: str) -> str:
    """NFKC, lower case, typographic dashes and quotes made plain, '/' and '+' as spaces."""
    text = lower(unicodedata.normalize("NFKC", text))
    text = text.replace("–", " ").replace("—", " ").replace("‐", "-").replace("‑", "-")
    text = re.sub(r"[/+&]", " ", text)
    return text


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: `text` without hyphens; `parts` the hyphen parts (if any);
    `position` its place in the text; `context` True after a context preposition."""

    text: str
    parts: tuple[str, ...] = ()
    position: int = 0
    context: bool = False


@lru_cache(maxsize=1)
def _kept_whole() -> frozenset[str]:
    return frozenset(w.lower() for w in load_language().keep_whole)


def _base_form(word: str) -> bool:
    """The word is a dictionary base form of its own (bokmål lemma = the word)."""
    return simplemma.is_known(word, lang="nb") and simplemma.lemmatize(word, lang="nb") == word


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """The keys of one (lower-case) word: folded stem and lemmas (a word kept whole: itself)."""
    if word in _kept_whole():
        return frozenset({fold(word)})
    stem = _STEMMER.stemWord(word)
    if len(stem) == len(word) - 1 and word.endswith("s") and _base_form(word):
        stem = word  # "krans", "kurs", "kors": a base form, not a genitive of "kran", "kur", "kor"
    keys = {fold(stem)}
    if len(word) > 3:
        for lang in ("nb", "nn"):
            lemma = simplemma.lemmatize(word, lang=lang)
            if lemma and len(lemma) >= 3 and abs(len(lemma) - len(word)) <= 4:
                keys.add(fold(lemma.lower()))
        if word.endswith("el") and len(word) >= 5:  # møbel/møbler, nøkkel/nøkler, sykkel/sykler
            keys.add(fold(_STEMMER.stemWord(word[:-2] + "ler")))
        derived = _DERIVED_RE.match(word)
        if derived:  # verbal nouns meet their verbs: brøyting/brøyte, asfaltering/asfaltere, klipping/klipper
            keys.add(fold(derived.group(1)))
    else:
        keys.add(fold(word))
    return frozenset(k for k in keys if k)


@lru_cache(maxsize=500_000)
def primary_key(word: str) -> str:
    return fold(_STEMMER.stemWord(word))


def _sector_pattern(words: list[str]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """One setting's words as patterns over folded text: "skole*" starts a word, "*lærer" ends one;
    "-skolering*" is a word that looks like the setting and is not (removed before matching)."""
    def part(word: str) -> str:
        core = re.escape(fold(word.strip("*").lower()))
        return (r"(?<![\w])" if not word.startswith("*") else "") + core + (r"(?![\w])" if not word.endswith("*") else r"\w*")

    named = [part(w) for w in words if not w.startswith("-")]
    unlike = [part(w[1:]) for w in words if w.startswith("-")]
    return re.compile("|".join(named)), re.compile("|".join(unlike)) if unlike else None


class Analyzer:
    """Tokenises text and filters question framing, with the language data loaded once."""

    def __init__(self, language: LanguageData | None = None) -> None:
        self.language = language or load_language()
        self.stopwords: frozenset[str] = frozenset(
            w.lower() for words in self.language.stopwords.values() for w in words
        )
        self.folded_stopwords: frozenset[str] = frozenset(fold(w) for w in self.stopwords)
        self.context_prepositions = frozenset(p.lower() for p in self.language.context_prepositions)
        self.infinitive_markers = frozenset(w.lower() for w in self.language.infinitive_markers)
        self.agent_heads = frozenset(w.lower() for w in self.language.agent_heads)
        self.need_verbs = frozenset(v.lower() for v in self.language.need_verbs)
        self.measure_words = frozenset(w.lower() for w in self.language.measure_words)
        self.measure_links = frozenset(w.lower() for w in self.language.measure_links)
        self.subject_heads = frozenset(w.lower() for w in self.language.subject_heads)
        self.weak_keys: frozenset[str] = frozenset(k for w in self.language.weak_words for k in word_keys(w.lower()))
        self.rules = [(re.compile(pattern), replacement) for pattern, replacement in self.language.spelling_rules]
        self.word_map = {fold(k): v.lower() for k, v in self.language.word_map.items()}
        self.sector_patterns = {name: _sector_pattern(words) for name, words in self.language.sectors.items() if words}
        phrases = sorted((p.lower() for p in self.language.framing_phrases), key=len, reverse=True)
        self.framing_re = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)") if phrases else None

    def without_negated(self, text: str) -> str:
        """The question without what the asker sets aside: a bracketed aside opening with a
        negation, or a negation after a comma up to the next comma or the end ("kaffe, ikke te");
        a negation inside a statement of a fault ("skriveren vil ikke skrive ut") is kept."""
        if not self.language.negations:
            return text
        negation = "|".join(re.escape(w) for w in self.language.negations)
        text = re.sub(rf"\((?:{negation})\s[^)]*\)", " ", text, flags=re.IGNORECASE)
        return re.sub(rf",\s*(?:{negation})\s+[^,.;:!?()]*", " ", text, flags=re.IGNORECASE)

    def sectors(self, text: str) -> frozenset[str]:
        """The settings (`sectors`) the text names: "vikar til ungdomsskolen" → {"skole"}."""
        said = fold(normalise(text))
        return frozenset(name for name, (pattern, unlike) in self.sector_patterns.items()
                         if pattern.search(unlike.sub(" ", said) if unlike else said))

    def is_stopword(self, word: str) -> bool:
        return word in self.stopwords or fold(word) in self.folded_stopwords

    def tokens(self, text: str, *, keep_stopwords: bool = False) -> list[Token]:
        """Words of `text`; framing/stop words dropped unless asked; context marked."""
        result: list[Token] = []
        context = False
        need_at = -1  # index in `result` where the words after a need verb start
        normalised = normalise(text)
        if self.framing_re is not None and not keep_stopwords:
            normalised = self.framing_re.sub(" ", normalised)
        last_end = 0
        words = list(_WORD_RE.finditer(normalised))
        for position, match in enumerate(words):
            if context and _CLAUSE_BREAK.search(normalised, last_end, match.start()):
                context = False  # "kanyler til hud, katetre og …": a new item after the comma
            last_end = match.end()
            raw = match.group(0).replace("’", "'")
            if "'" in raw:
                raw = raw.split("'")[0]  # "PC'er", "iPad'en"
            pieces = [p for p in raw.split("-") if p]
            if not pieces:
                continue
            word = "".join(pieces)
            if len(pieces) == 2 and pieces[0].isdigit() and len(pieces[1]) == 1 and pieces[1].isdigit():
                pieces = pieces[:1]  # a CPV code with its check digit: "45233141-9"
                word = pieces[0]
            if len(pieces) > 1 and len(pieces[-1]) <= 2 and pieces[-1] in ("er", "en", "ene", "et", "a", "s"):
                pieces = pieces[:-1]  # "PC-er", "SIM-kortet" stays; inflection after a hyphen
                word = "".join(pieces)
            if word in self.context_prepositions and result and not self._task_follows(
                    result, need_at, word, words[position + 1].group(0) if position + 1 < len(words) else "") and not (
                    result[-1].text in self.subject_heads and not result[-1].context):
                # only after the thing itself: "avtale på X" is framing, "X til Y" context; after
                # teaching or advice ("kurs i førstehjelp") the subject follows
                context = True
            if word in self.need_verbs and result and need_at < 0 and not context:
                need_at = len(result)  # "hjemmesykepleien trenger …": who needs, then what
            if not keep_stopwords and (self.is_stopword(word) or (len(word) == 1 and not word.isdigit())):
                continue
            if not keep_stopwords and word in self.measure_words and self._counts_a_thing(normalised, words, position):
                continue
            if len(word) > MAX_WORD_CHARS:
                continue  # not a word (a run of letters in a broken cell); its cost would grow with its length
            parts = tuple(pieces) if len(pieces) > 1 else ()
            result.append(Token(word, parts, position, context))
        if 0 < need_at < len(result):  # words follow the need verb: the ones before it are context
            result = [Token(t.text, t.parts, t.position, True) if i < need_at else t for i, t in enumerate(result)]
        return result

    def _counts_a_thing(self, text: str, words: list[re.Match[str]], position: int) -> bool:
        """The measure word at `position` is followed, in the same clause, by the thing counted:
        directly or after a linking word ("pakker hansker", "esker med papir", "boxes of gloves")."""
        following = position + 1
        if following < len(words) and words[following].group(0).lower() in self.measure_links:
            following += 1
        if following >= len(words) or _CLAUSE_BREAK.search(text, words[position].end(), words[following].start()):
            return False
        after = words[following].group(0).lower()
        return not (self.is_stopword(after) or after in self.context_prepositions or after in self.measure_words)

    def _task_follows(self, result: list[Token], need_at: int, word: str, after: str) -> bool:
        """The preposition `word` (followed by `after`) starts the task of someone hired, not
        context: "konsulent til å kartlegge …", "a consultant to map …" — only after someone not yet
        qualified ("an IT consultant to lead the cloud migration" is an IT consultant whatever the task)."""
        if result[-1].text not in self.agent_heads or result[-1].context:
            return False
        if not (word == "to" or after in self.infinitive_markers):
            return False
        wanted = [t for t in result[max(need_at, 0):] if not t.context]
        return len(wanted) == 1

    def variants(self, word: str) -> list[str]:
        """Spelling variants of a word (nynorsk → bokmål, English plural …), most likely first."""
        found: list[str] = []
        mapped = self.word_map.get(fold(word))
        if mapped:
            found.append(mapped)
        frontier = [word]
        for _ in range(3):  # rules combine: sjukepleiarar → sykepleiarar → sykepleier
            next_frontier = []
            for candidate in frontier:
                for pattern, replacement in self.rules:
                    changed = pattern.sub(replacement, candidate)
                    if changed != candidate and len(changed) >= 3 and changed not in found:
                        found.append(changed)
                        next_frontier.append(changed)
            frontier = next_frontier
        return found


def split_known_prefix(word: str, known: frozenset[str] | set[str], *, min_prefix: int = 4, min_rest: int = 4) -> tuple[str, str] | None:
    """The longest known first part and the rest: "barnehagelærere" → ("barnehage", "lærere")."""
    if len(word) > MAX_WORD_CHARS:
        return None
    for end in range(len(word) - min_rest, min_prefix - 1, -1):
        prefix = word[:end]
        candidates = [prefix] + ([prefix[:-1]] if prefix.endswith(("s", "e")) and len(prefix) > min_prefix else [])
        for candidate in candidates:
            if candidate in known or fold(candidate) in known:
                return candidate, word[end:]
    return None


def split_compound(
    word: str,
    known: frozenset[str] | set[str],
    *,
    min_part: int = 3,
    max_parts: int = 3,
) -> tuple[str, ...] | None:
    """Split a (folded) compound into known parts: "kontorstoler" → ("kontor", "stoler").

    A part is known when it, or its primary key, is in `known`. A linking "s" or "e" between
    parts is allowed ("innkjopskort" → "innkjop" + "kort"). Prefers the fewest parts, then the
    longest shortest part; returns None when no split into known parts exists. The work grows
    with the square of the word's length: words longer than MAX_WORD_CHARS are not split.
    """
    if len(word) > MAX_WORD_CHARS:
        return None
    best: tuple[str, ...] | None = None

    def is_known(part: str) -> bool:
        if len(part) < min_part:
            return False
        if part in known or fold(part) in known:
            return True
        key = primary_key(part)
        return len(key) >= 4 and key in known

    def search(rest: str, depth: int) -> list[tuple[str, ...]]:
        options: list[tuple[str, ...]] = []
        if depth > 1 and is_known(rest):
            options.append((rest,))
        if depth >= max_parts:
            return options
        for i in range(min_part, len(rest) - min_part + 1):
            head = rest[:i]
            tails = [rest[i:]]
            heads = [head]
            if head.endswith(("s", "e")) and len(head) > min_part:
                stripped = head[:-1]
                # "innkjøps|kort": the bare word is the part when it is itself a known word
                heads = [stripped, head] if (stripped in known or fold(stripped) in known) else [head, stripped]
            for h in heads:
                if not is_known(h):
                    continue
                for tail in tails:
                    for rest_split in search(tail, depth + 1):
                        options.append((h, *rest_split))
        return options

    for option in search(word, 1):
        if len(option) < 2:
            continue
        if best is None or (len(option), -min(map(len, option))) < (len(best), -min(map(len, best))):
            best = option
    return best


_NUMBERS = r"\d{1,3}(?:\s*(?:-|–|—|til|to)\s*\d{1,3})?"


@lru_cache(maxsize=1)
def _district_pattern() -> re.Pattern[str] | None:
    words = sorted({w.lower() for w in load_language().district_words}, key=len, reverse=True)
    if not words:
        return None
    names = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)(?:{names})\s+({_NUMBERS}(?:\s*(?:,|og|and|&|\+)\s*{_NUMBERS})*)(?!\w)", re.IGNORECASE)


def district_numbers(text: str) -> frozenset[int]:
    """The numbers of the districts, zones or lots a text names ("rodene 1–4", "rode 6", "sone 2
    og 3"): a range counts every number in it (at most 50)."""
    pattern = _district_pattern()
    if pattern is None or not text:
        return frozenset()
    found: set[int] = set()
    for match in pattern.finditer(text):
        for part in re.split(r"\s*(?:,|og|and|&|\+)\s*", match.group(1)):
            ends = [int(n) for n in re.findall(r"\d+", part)]
            if len(ends) == 2 and 0 <= ends[1] - ends[0] <= 50:
                found.update(range(ends[0], ends[1] + 1))
            elif ends:
                found.add(ends[0])
    return frozenset(found)
