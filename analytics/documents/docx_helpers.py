"""Building Word documents that print like official papers and are quick to make in bulk.

Tables are written as WordprocessingML directly (explicit widths, borders and a header row that
repeats on every page): python-docx's cell-by-cell API costs a fraction of a millisecond per
cell, which adds up to many seconds in a zip of two hundred checklists. All text is escaped and
stripped of characters XML cannot hold, so names from outside cannot break a document.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from analytics.documents.common import clean_text

FONT = "Times New Roman"
AUTHOR = "Аналитика самодиагностики «Школа Минпросвещения России»"
_UNUSED_PART_RELS = frozenset(
    {"http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects", RT.CUSTOM_XML}
)
_UNUSED_PACKAGE_RELS = frozenset({RT.THUMBNAIL})
TWIPS_PER_CM = 567
BLACK = RGBColor(0, 0, 0)
HEADER_FILL = "D9E1F2"
GROUP_FILL = "EDEDED"
CRITICAL_FILL = "F8CBAD"
CRITICAL_COLOR = "9C0006"
_STYLE_SIZES = {"Normal": 12, "Title": 16, "Heading 1": 14, "Heading 2": 12, "Heading 3": 12}
_BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
_BORDERS = "".join(_BORDER.format(side=s) for s in ("top", "left", "bottom", "right", "insideH", "insideV"))


@dataclass(frozen=True)
class Cell:
    """A table cell's text and look; `span` merges it across that many grid columns."""

    text: str
    bold: bool = False
    fill: str | None = None
    color: str | None = None
    span: int = 1
    center: bool = False
    keep_with_next: bool = False
    """Keep the row on the same page as the next one (a group title above its first line)."""


def new_document(footer: str, *, landscape: bool = False) -> DocumentObject:
    """An A4 document in Times New Roman with `footer` (the methodology label) on every page."""
    doc = Document(io.BytesIO(_template(landscape=landscape)))
    doc.core_properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.add_run(clean_text(footer)).font.size = Pt(9)
    return doc


@cache
def _template(*, landscape: bool) -> bytes:
    """python-docx's default template, restyled once per process and slimmed.

    The default template carries 100 table styles, a list of latent styles and a second copy of
    all styles for Word 2010 (together 0.8 MB of XML), which every document would otherwise
    parse, serialise and compress again; none of them is used here.
    """
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    for name, size in _STYLE_SIZES.items():
        _plain_style(doc, name, size)
    _slim(doc)
    section.footer.is_linked_to_previous = False
    doc.core_properties.author = AUTHOR
    doc.core_properties.last_modified_by = AUTHOR
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _slim(doc: DocumentObject) -> None:
    """Drop unused table styles, latent styles, the Word 2010 style copy and the thumbnail."""
    styles = doc.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:default")) != "1":
            styles.remove(style)
    _remove_children(styles, "w:latentStyles")
    for rels, unused in ((doc.part.rels, _UNUSED_PART_RELS), (doc.part.package.rels, _UNUSED_PACKAGE_RELS)):
        for rel_id in [k for k, rel in rels.items() if rel.reltype in unused]:
            rels.pop(rel_id)


def _plain_style(doc: DocumentObject, name: str, size: int) -> None:
    """Black Times New Roman instead of the template's blue theme fonts and underlined title."""
    style = doc.styles[name]
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    if name == "Normal":
        r_pr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="ru-RU" w:eastAsia="ru-RU"/>'))
    if name == "Title":
        _remove_children(r_pr, "w:spacing")
        _remove_children(style.element.get_or_add_pPr(), "w:pBdr")
        style.font.bold = True
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_after = Pt(6)
    if name.startswith("Heading"):
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)


def _remove_children(element, tag: str) -> None:
    for child in element.findall(qn(tag)):
        element.remove(child)


def add_title(doc: DocumentObject, text: str) -> None:
    doc.add_paragraph(clean_text(text), style="Title")


def add_heading(doc: DocumentObject, text: str, level: int = 1) -> None:
    doc.add_heading(clean_text(text), level=level)


def add_text(
    doc: DocumentObject, text: str, *, bold: bool = False, italic: bool = False, center: bool = False
) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(clean_text(text))
    run.bold = bold
    run.italic = italic
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def add_bullets(doc: DocumentObject, items: Sequence[str]) -> None:
    """A bulleted list. The style is looked up once and its id set on each paragraph: python-docx
    looks a style up by name on every paragraph, scanning all styles each time."""
    style_id = doc.styles["List Bullet"].style_id
    for item in items:
        paragraph = doc.add_paragraph(clean_text(item))
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = style_id


def add_picture(doc: DocumentObject, png: bytes, width_cm: float) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def add_table(
    doc: DocumentObject,
    widths_cm: Sequence[float],
    header: Sequence[str] | None,
    rows: Sequence[Sequence[Cell | str | int]],
    *,
    font_size: float = 10,
) -> None:
    """A bordered table; the header row (if any) repeats at the top of every page."""
    widths = [round(w * TWIPS_PER_CM) for w in widths_cm]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    size = round(font_size * 2)
    if header is not None:
        cells = [Cell(h, bold=True, fill=HEADER_FILL, center=True, keep_with_next=True) for h in header]
        parts.append(_row_xml(cells, widths, size, is_header=True))
    parts.extend(_row_xml([_as_cell(v) for v in row], widths, size) for row in rows)
    parts.append("</w:tbl>")
    doc.element.body._insert_tbl(parse_xml("".join(parts)))  # inserts before sectPr


def _as_cell(value: Cell | str | int) -> Cell:
    if isinstance(value, Cell):
        return value
    return Cell(str(value), center=not isinstance(value, str))


def _row_xml(cells: Sequence[Cell], widths: Sequence[int], size: int, *, is_header: bool = False) -> str:
    repeat = "<w:tblHeader/>" if is_header else ""
    row_props = f"<w:trPr><w:cantSplit/>{repeat}</w:trPr>"
    column = 0
    xml = [f"<w:tr>{row_props}"]
    for cell in cells:
        width = sum(widths[column : column + cell.span])
        column += cell.span
        xml.append(_cell_xml(cell, width, size))
    xml.append("</w:tr>")
    return "".join(xml)


def _cell_xml(cell: Cell, width: int, size: int) -> str:
    span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>' if cell.fill else ""
    align = '<w:jc w:val="center"/>' if cell.center else ""
    keep = "<w:keepNext/>" if cell.keep_with_next else ""
    bold = "<w:b/>" if cell.bold else ""
    color = f'<w:color w:val="{cell.color}"/>' if cell.color else ""
    run_props = f'<w:rPr>{bold}{color}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
    lines = clean_text(cell.text).split("\n")
    runs = f"<w:r>{run_props}<w:br/></w:r>".join(
        f'<w:r>{run_props}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>' for line in lines
    )
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{fill}</w:tcPr>'
        f'<w:p><w:pPr>{keep}<w:spacing w:before="0" w:after="0"/>{align}</w:pPr>{runs}</w:p></w:tc>'
    )


def add_signature_block(doc: DocumentObject, roles: Sequence[str]) -> None:
    """Lines to sign: a role, then «________ / ________ /», then a date line."""
    doc.add_paragraph()
    for role in roles:
        add_text(doc, role)
        add_text(doc, "_______________________ / _______________________ /")
        doc.paragraphs[-1].paragraph_format.space_after = Pt(12)
    add_text(doc, "Дата: «____» ________________ 20____ г.")


def document_bytes(doc: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
