"""Build core/data/fonts/NotoSansSC-Subset.otf from Debian's fonts-noto-cjk.

Run once by a developer (apt install fonts-noto-cjk); the product only reads the committed
subset, so PDFs render in Chinese on a machine without any CJK font. The subset keeps ASCII,
CJK punctuation, all GB 2312 characters and every character of the given text files
(division names by default). Usage: python scripts/build-cjk-font.py [more text files…]
"""

import glob
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = "core/data/fonts/NotoSansSC-Subset.otf"
PUNCTUATION = "　、。·—～‖…‘’“”〔〕〈〉《》「」『』〖〗【】±×÷≤≥≠℃°‰§№☆★○●◎◇◆□■△▲※→←↑↓！（），．：；？［］｛｝①②③④⑤⑥⑦⑧⑨⑩ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ㎡"


def main() -> None:
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(PUNCTUATION)
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for path in glob.glob("core/data/divisions/*.csv") + sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            chars |= set(handle.read())
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(c for c in chars if c.isprintable()))
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {len(chars)} characters")


if __name__ == "__main__":
    main()
