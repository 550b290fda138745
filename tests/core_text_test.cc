// core/text: printable() is what every message and report uses to show untrusted names.
#include <gtest/gtest.h>

#include "mblob/core/text.h"

namespace mblob {
namespace {

TEST(Printable, ControlCharactersAreShownAsHexBytes) {
  EXPECT_EQ(printable("a\x1b]0;t\x07z"), "a\\x1b]0;t\\x07z");
  EXPECT_EQ(printable("line\nnext\r\t"), "line\\x0anext\\x0d\\x09");
  EXPECT_EQ(printable(std::string("\0\x7f", 2)), "\\x00\\x7f");
  // C1 controls (U+009B is CSI on some terminals), bidi overrides and line separators.
  EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");
  EXPECT_EQ(printable("a\xe2\x80\xae"
                      "b"),
            "a\\xe2\\x80\\xae"
            "b");
  EXPECT_EQ(printable("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");
}

TEST(Printable, InvalidUtf8BytesAreShownAsHexBytes) {
  EXPECT_EQ(printable("\xff\x80"), "\\xff\\x80");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");                    // truncated
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(Printable, Utf8TextPassesThrough) {
  EXPECT_EQ(printable("weights_\xe6\x9d\x83\xe9\x87\x8d caf\xc3\xa9 \xf0\x9f\x98\x80"),
            "weights_\xe6\x9d\x83\xe9\x87\x8d caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(IsUtf8, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9\x1b"));
  EXPECT_FALSE(is_utf8("\xc3"));
  EXPECT_FALSE(is_utf8("\xc0\x80"));
  EXPECT_FALSE(is_utf8("\xed\xbf\xbf"));
}

TEST(EditDistance, CountsEditsAndAdjacentSwapsIgnoringCase) {
  EXPECT_EQ(edit_distance("export", "export"), 0u);
  EXPECT_EQ(edit_distance("exprot", "export"), 1u);  // one swap
  EXPECT_EQ(edit_distance("EXPORT", "export"), 0u);
  EXPECT_EQ(edit_distance("", "pack"), 4u);
  EXPECT_EQ(edit_distance("nativ", "native"), 1u);
  EXPECT_EQ(edit_distance("gold", "mold"), 1u);
}

TEST(DidYouMean, SuggestsOnlyACloseCandidate) {
  std::vector<std::string> names = {"pack", "export", "load", "targets"};
  EXPECT_EQ(did_you_mean("exprot", names), "; did you mean 'export'?");
  EXPECT_EQ(did_you_mean("tragets", names), "; did you mean 'targets'?");
  EXPECT_EQ(did_you_mean("frobnicate", names), "");
  EXPECT_EQ(closest_match("x", names), "");
}

}  // namespace
}  // namespace mblob
