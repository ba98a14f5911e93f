"""Chinese PDFs render with the bundled font and keep their text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from core.pdf import ChinesePDF


def test_chinese_text_survives_in_the_pdf() -> None:
    pdf = ChinesePDF("通知书")
    pdf.add_page()
    pdf.heading("上海市崇明区民政局")
    pdf.key_values([("姓名", "施建国"), ("金额", "1,990.00 元")])
    pdf.data_table(["项目", "金额"], [["低保金", "1990.00"]])
    content = pdf.to_bytes()
    assert content.startswith(b"%PDF") and len(content) < 60_000  # only the glyphs used are embedded
    # pypdf puts NULs between CID glyphs of this font; PDFium (Chrome) extracts clean text.
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\x00", "").replace(" ", "")
    assert "上海市崇明区民政局" in text and "施建国" in text and "1,990.00元" in text and "低保金" in text
