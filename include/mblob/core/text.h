// Small text helpers for messages: joining lists and showing untrusted bytes safely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mblob {

// "a, b, c" (items joined by `sep`).
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

// `s` made safe to print on a terminal, as one line: every byte of a control character (C0, DEL,
// C1, zero-width and bidirectional formatting, line/paragraph separators) and every byte that is
// not part of well-formed UTF-8 is shown as \xNN; other text, including non-ASCII letters,
// passes through. Used for every name, kind or path read from an untrusted file or typed by a
// user before it goes into a message or a report.
std::string printable(std::string_view s);

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF).
bool is_utf8(std::string_view s);

// Edit distance between `a` and `b`, ignoring ASCII case: the fewest insertions, deletions,
// substitutions and swaps of two adjacent characters that turn one into the other ("exprot" ->
// "export" is 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit_distance when it is close enough to be a typo (at most
// a third of the word's length, and at least 1), else "". Ties go to the earlier candidate.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'export'?" for the closest match of `word`, or "" when none is close: the one
// "did you mean" suffix of every unknown-name message (commands, targets, packers, linkers,
// manifest keys).
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// Lower-case hex of every byte of `s` ("1b5d" for "\x1b]").
std::string hex(std::string_view s);

}  // namespace mblob
