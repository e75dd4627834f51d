"""Turkish normalisation for the router: plain functions, no database."""

from kentmasa.routing import text


def test_dotted_and_dotless_capitals_fold_the_turkish_way_before_stemming():
    assert text.tokens("IŞIKLAR YANMIYOR") == text.tokens("ışıklar yanmıyor") == ["isik", "yanmiyor"]
    assert text.tokens("İSTANBUL") == ["istanbul"]


def test_suffixes_are_stemmed_so_that_one_word_meets_its_forms():
    assert text.tokens("çukurlar") == text.tokens("çukuru") == text.tokens("Çukur") == ["cukur"]
    assert text.tokens("konteynerleri") == ["konteyner"]


def test_a_message_without_turkish_letters_meets_the_one_with_them():
    assert text.normalise("cop toplanmiyor") == text.normalise("Çöp toplanmıyor")


def test_numbers_addresses_of_the_web_and_stopwords_are_left_out():
    words = text.tokens(
        "Merhaba, Atatürk Cad. No:12 önündeki 3 çukur için https://foto.example/a.jpg bakın; ali@example.com"
    )
    assert "12" not in " ".join(words) and "3" not in words
    assert not [w for w in words if "http" in w or "example" in w or "foto" in w]
    assert "merhaba" not in words and "icin" not in words
    assert "cukur" in words and "ataturk" in words


def test_keywords_match_whole_words_with_their_suffixes_and_nothing_inside_other_words():
    folded = text.folded("Sokağımızdaki çukurlar ve su kesintisi bitmiyor")
    assert text.matches_keywords(folded, "çukur, su kesinti") == ["cukur", "su kesinti"]
    assert text.matches_keywords(folded, "ukur") == []  # not inside a word
    assert text.matches_keywords(folded, "") == []


def test_two_descriptions_of_one_burst_pipe_are_similar_and_a_pothole_is_not():
    first = "Sokakta ana boru patladı, su fışkırıyor"
    second = "Boru patlamış, sokağa su fışkırıyor!"
    other = "Evimizin önünde derin bir çukur var"
    assert text.similarity(first, second) > 0.5
    assert text.similarity(first, other) == 0
