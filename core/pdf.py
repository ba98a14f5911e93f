"""Chinese PDF documents (notices, reports) that render on a machine without CJK fonts.

fpdf2 embeds the subset of the bundled Noto Sans SC (core/data/fonts, SIL OFL) that a
document uses, so a notice is a few tens of kilobytes and opens anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_PATH = Path(__file__).resolve().parent / "data" / "fonts" / "NotoSansSC-Subset.otf"
FONT = "NotoSansSC"


class ChinesePDF(FPDF):
    """An A4 document with the embedded Chinese font and a few layout helpers."""

    def __init__(self, title: str = "", orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_PATH))
        self.set_font(FONT, size=11)
        self.set_title(title)
        self.set_creator("minzheng 民政业务平台")
        self.set_auto_page_break(auto=True, margin=18)
        self.footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(120)
        self.cell(0, 6, f"{self.footer_text}  第 {self.page_no()} 页", align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, size * 0.6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.set_font(FONT, size=11)

    def paragraph(self, text: str, size: int = 11, height: float = 7) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def key_values(self, rows: Sequence[tuple[str, Any]], label_width: float = 40) -> None:
        for label, value in rows:
            self.set_font(FONT, size=10)
            self.set_text_color(90)
            self.cell(label_width, 7, str(label))
            self.set_text_color(0)
            self.set_font(FONT, size=11)
            self.multi_cell(0, 7, str(value), new_x="LMARGIN", new_y="NEXT")

    def data_table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float] | None = None,
        size: int = 9,
    ) -> None:
        self.set_font(FONT, size=size)
        # The bundled font has no bold face: headings are shaded instead.
        style = FontFace(emphasis="", fill_color=(228, 235, 245))
        with self.table(
            col_widths=tuple(widths) if widths else None,
            text_align="LEFT",
            line_height=size * 0.6,
            headings_style=style,
        ) as table:
            header = table.row()
            for text in headers:
                header.cell(str(text))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self.set_font(FONT, size=11)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
