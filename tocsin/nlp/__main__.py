"""Try the nlp rules on a text, or check a lexicon file, from the shell.

    python -m tocsin.nlp "Узбеков надо выгнать из Оша"           # features as JSON
    python -m tocsin.nlp --lexicon local.jsonl "Пожар на Жайме"   # with an extra lexicon
    python -m tocsin.nlp --check local.jsonl                      # validate a lexicon file
    echo "text" | python -m tocsin.nlp -                           # read the text from stdin
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _Settings:
    languages: list[str] = field(default_factory=lambda: ["ru", "ky", "uz", "en"])
    extra_lexicons: list[str] = field(default_factory=list)
    max_chunk_chars: int = 100_000


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a bad lexicon)."""
    parser = argparse.ArgumentParser(prog="python -m tocsin.nlp", description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", help="the text to analyse ('-' reads stdin)")
    parser.add_argument("--lexicon", action="append", default=[], help="an extra lexicon JSONL file (repeatable)")
    parser.add_argument("--check", metavar="FILE", help="only validate this lexicon file and say how many entries it has")
    parser.add_argument("--hint", default="", help="language hint (ru, ky, uz, en …)")
    args = parser.parse_args(argv)

    from tocsin.nlp.lexicon import LexiconError, bundled_pattern_files, load_lexicons, read_lexicon

    if args.check:
        try:
            entries = read_lexicon(args.check)
            # with the bundled files, as the analyser will load it: ids that clash, word lists it names
            bundled = {path.resolve() for path in bundled_pattern_files()}
            load_lexicons([] if Path(args.check).resolve() in bundled else [args.check])
        except LexiconError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        kinds: dict[str, int] = {}
        for e in entries:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        print(f"{args.check}: {len(entries)} entries ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
        return 0
    if args.text is None:
        parser.error("give a text (or '-' for stdin), or --check FILE")
    text = sys.stdin.read() if args.text == "-" else args.text

    from tocsin.nlp import TextAnalyser

    try:
        analyser = TextAnalyser(_Settings(extra_lexicons=args.lexicon), on_demand=True)   # one text, one language
    except LexiconError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    f = analyser.features(text, args.hint)
    out = {
        "lang": f.lang_tag, "script": f.script, "normalised": f.normalised, "patterns_version": f.patterns_version,
        "groups": f.groups, "hallmarks": f.hallmarks, "spans": analyser.explain(text, args.hint),
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
