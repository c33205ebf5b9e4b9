"""The one sentence splitter (used by the analyser's chunks, the decision and the n-gram companion) and chunks."""

from __future__ import annotations

from tocsin.nlp.chunking import sentence_bounds, split_chunks, split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_a_sentence_ends_at_a_line_break_even_without_punctuation():
    # Telegram posts put each line on its own, often with no full stop.
    assert sentences("Бейте узбеков\nМир всем") == ["Бейте узбеков", "Мир всем"]
    assert sentences("First line.\n\n  Second line") == ["First line.", "Second line"]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert sentences("Он сказал: «Уходите!» Все молчали.") == ["Он сказал: «Уходите!»", "Все молчали."]
    assert sentences('They wrote "leave now." (Nobody did.) End') == ['They wrote "leave now."', "(Nobody did.)", "End"]


def test_a_quotation_reported_by_the_words_after_it_ends_no_sentence():
    # its own "!" closes the quotation, not the sentence that goes on to say who wrote it
    assert sentences('"Drive out the Tajiks!" a man wrote on the forum. I fully support.') == [
        '"Drive out the Tajiks!" a man wrote on the forum.', "I fully support."]
    assert sentences("«Бейте узбеков!» — написал он. Так и надо.") == ["«Бейте узбеков!» — написал он.", "Так и надо."]
    assert sentences("«Уходите!» - крикнул он.") == ["«Уходите!» - крикнул он."]
    # a capital letter, a line break or the end of the text after the quotation still end the sentence
    assert sentences("Я сказал: «Нет!» А он ушёл.") == ["Я сказал: «Нет!»", "А он ушёл."]
    assert sentences("«Стоп!»\nон ушёл") == ["«Стоп!»", "он ушёл"]
    assert sentences("Он крикнул «Стоп!» ") == ["Он крикнул «Стоп!»"]


def test_no_split_inside_a_word_or_number():
    assert sentences("Version 2.5 of the app, e.g.the new one") == ["Version 2.5 of the app, e.g.the new one"]


def test_bounds_cover_the_whole_text_in_order():
    for text in ("", "One.", "One. Two!  Three?\nFour… five", "  leading space. x\n"):
        bounds = sentence_bounds(text)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
        assert all(b == c for (_, b), (c, _) in zip(bounds, bounds[1:]))
        assert "".join(text[a:b] for a, b in bounds) == text


def test_chunks_are_whole_sentences_within_the_limit_and_join_back():
    text = " ".join(f"Sentence number {k} is here." for k in range(40))
    chunks = split_chunks(text, 200)
    assert all(len(piece) <= 200 for _, piece in chunks)
    assert "".join(piece for _, piece in chunks) == text
    assert all(text[offset:offset + len(piece)] == piece for offset, piece in chunks)
    assert all(piece.rstrip().endswith(".") for _, piece in chunks[:-1])
