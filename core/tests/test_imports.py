"""The Excel import of people and households, end to end: upload → validation job → confirm →
commit job, through the web pages and through the API.

``job_create`` hands the job to the task backend on commit; the tests run inside a transaction,
so every request that creates a job is wrapped in ``django_capture_on_commit_callbacks(execute=True)``
and the in-process (Immediate) backend runs the job when the block ends.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from openpyxl import Workbook, load_workbook

from conftest import OTHER_TOWNSHIP_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE, api_client, client_for, next_id_number
from core.models import AuditEvent, Household, HouseholdMember, Job, Person, StoredFile, User

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "户籍地区划代码", "居住地区划代码", "手机号码", "居住地址", "户编号", "与户主关系"]
VALIDATE = "core.person_import_validate"
COMMIT = "core.person_import_commit"
Capture = Callable[..., Any]


def xlsx(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def body(response: Any) -> bytes:
    """The whole body; the test client closes a streamed response once it is read."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def bad_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] == "0" else "0")


def row(name: str, number: str, hukou: str = OWN_VILLAGE, **fields: str) -> list[str]:
    return [
        name,
        number,
        hukou,
        fields.get("residence", ""),
        fields.get("phone", ""),
        fields.get("address", ""),
        fields.get("household", ""),
        fields.get("relation", ""),
    ]


def web_upload(client: Client, capture: Capture, content: bytes, name: str = "人员名单.xlsx") -> HttpResponse:
    with capture(execute=True):
        return client.post("/people/import/", {"file": SimpleUploadedFile(name, content)})


def web_import(client: Client, capture: Capture, content: bytes) -> Job:
    """Upload through the web page and return the finished validation job."""
    response = web_upload(client, capture, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(kind=VALIDATE, pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert response["Location"] == f"/jobs/{job.pk}/"
    return job


def web_confirm(client: Client, capture: Capture, job: Job) -> Job:
    with capture(execute=True):
        response = client.post(f"/jobs/{job.pk}/confirm/")
    assert response.status_code == 302
    commit = Job.objects.get(parent=job)
    assert response["Location"] == f"/jobs/{commit.pk}/"
    return commit


def registry_snapshot() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        HouseholdMember.objects.count(),
        AuditEvent.objects.exclude(action="job.create").count(),
    )


@pytest.fixture
def importer(users: dict[str, User]) -> User:
    """A township officer of 城桥镇: may import for its villages."""
    return users["parent"]


# --- The mixed workbook: good rows and one of each kind of error -------------------------------


class Mixed:
    """Rows 2–15 of a workbook with three good rows and one of each error."""

    def __init__(self) -> None:
        self.head = next_id_number(datetime.date(1958, 3, 2))
        self.spouse = next_id_number(datetime.date(1960, 7, 9), male=False)
        self.loner = next_id_number(datetime.date(1985, 1, 20))
        self.rows = [
            row("张建国", self.head, phone="13812345678", address="南门路1号", household="H1", relation="户主"),  # 2
            row("李秀英", self.spouse, residence=OWN_VILLAGE, household="H1", relation="配偶"),  # 3
            row("张小明", self.loner, residence="310151101002", phone="13900001111"),  # 4
            row("王五", bad_check_digit(next_id_number())),  # 5
            row("赵六", self.loner),  # 6: same ID as row 4
            row("钱七", next_id_number(), hukou="310151999999"),  # 7
            row("孙八", next_id_number(), household="H2"),  # 8: no relation
            row("周九", next_id_number(), household="H2", relation="户主"),  # 9
            row("冯十", next_id_number(), household="H3", relation="户主"),  # 10
            row("陈十一", next_id_number(), household="H3", relation="户主"),  # 11
            row("吴十二", next_id_number(), household="H4", relation="户主"),  # 12
            row("郑十三", next_id_number(), phone="12345", household="H4", relation="子女"),  # 13
            row("蒋十四", bad_check_digit(next_id_number()), household="H5", relation="户主"),  # 14
            row("沈十五", next_id_number(), household="H5", relation="子女"),  # 15
        ]
        self.content = xlsx(self.rows)


MIXED_COUNTS = {
    "rows": 14,
    "valid": 3,
    "invalid": 11,
    "create": 3,
    "update": 0,
    "unchanged": 0,
    "new_households": 1,
}
MIXED_ERRORS = [
    {"row": 5, "column": "身份证号", "message": "身份证号校验位错误，请核对号码"},
    {"row": 6, "column": "身份证号", "message": "与第 4 行的身份证号重复"},
    {"row": 7, "column": "户籍地区划代码", "message": "户籍地区划代码 310151999999 不存在"},
    {"row": 8, "column": "与户主关系", "message": "填写了户编号时必须填写与户主关系"},
    {"row": 9, "column": "户编号", "message": "户编号 H2 的其他行有错误，整户未导入"},
    {"row": 10, "column": "与户主关系", "message": "户编号 H3 有 2 名户主"},
    {"row": 11, "column": "与户主关系", "message": "户编号 H3 有 2 名户主"},
    {"row": 12, "column": "户编号", "message": "户编号 H4 的其他行有错误，整户未导入"},
    {"row": 13, "column": "手机号码", "message": "手机号码应为 11 位手机号或带区号的固定电话"},
    {"row": 14, "column": "身份证号", "message": "身份证号校验位错误，请核对号码"},
    {"row": 15, "column": "户编号", "message": "户编号 H5 的其他行有错误，整户未导入"},
]
MIXED_MESSAGE = "共 14 行：可导入 3 行（新增 3，更新 0，无变化 0），有错误 11 行。"


def test_validation_counts_errors_and_error_workbook_on_the_web(
    importer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    mixed = Mixed()
    client = client_for(importer)
    job = web_import(client, django_capture_on_commit_callbacks, mixed.content)

    assert (job.status, job.kind, job.title) == ("succeeded", VALIDATE, "导入校验：人员名单.xlsx")
    assert job.counts == MIXED_COUNTS
    assert job.errors == MIXED_ERRORS
    assert job.error_count == 11
    assert job.message == MIXED_MESSAGE
    assert (job.progress_done, job.progress_total, job.percent) == (14, 14, 100)
    assert job.requested_by == importer
    assert job.region_id == OWN_TOWNSHIP

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert MIXED_MESSAGE in page
    assert "将写入 3 行（新增 3，更新 0，无变化 0）。有错误的 11 行不会导入" in page
    assert f'action="/jobs/{job.pk}/confirm/"' in page
    assert "<td>12</td><td>户编号</td><td>户编号 H4 的其他行有错误，整户未导入</td>" in page
    assert f'href="/files/{job.result_file_id}/"' in page

    # The error workbook, downloaded like the user would.
    assert job.result_file is not None
    assert job.result_file.original_name == f"导入错误清单-{job.pk}.xlsx"
    download = client.get(f"/files/{job.result_file_id}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert read_xlsx(body(download)) == [
        ["行号", "列", "错误说明"],
        *([e["row"], e["column"], e["message"]] for e in MIXED_ERRORS),
    ]
    # The uploaded file itself stays reachable from the job.
    assert job.input_file is not None
    assert body(client.get(f"/files/{job.input_file_id}/")) == mixed.content


def test_validation_through_the_api(
    importer: User, api_token: Callable[[User], str], django_capture_on_commit_callbacks: Capture
) -> None:
    mixed = Mixed()
    client = api_client(api_token(importer))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/persons", {"file": SimpleUploadedFile("名单.xlsx", mixed.content)})
    assert response.status_code == 202
    accepted = response.json()
    assert (accepted["kind"], accepted["kind_label"], accepted["title"]) == (
        VALIDATE,
        "人员与家庭户导入：校验",
        "导入校验：名单.xlsx",
    )

    detail = client.get(f"/api/v1/jobs/{accepted['id']}")
    assert detail.status_code == 200
    job = detail.json()
    assert (job["status"], job["percent"], job["progress_done"], job["progress_total"]) == ("succeeded", 100, 14, 14)
    assert job["counts"] == MIXED_COUNTS
    assert job["errors"] == MIXED_ERRORS
    assert (job["error_count"], job["message"]) == (11, MIXED_MESSAGE)

    download = client.get(f"/api/v1/files/{job['result_file']}")
    assert download.status_code == 200
    rows = read_xlsx(body(download))
    assert rows[0] == ["行号", "列", "错误说明"]
    assert [{"row": r, "column": c, "message": m} for r, c, m in rows[1:]] == MIXED_ERRORS


def test_an_unconfirmed_import_changes_nothing(importer: User, django_capture_on_commit_callbacks: Capture) -> None:
    before = registry_snapshot()
    job = web_import(client_for(importer), django_capture_on_commit_callbacks, Mixed().content)
    assert job.status == "succeeded"
    assert registry_snapshot() == before
    assert not Job.objects.filter(kind=COMMIT).exists()
    assert list(AuditEvent.objects.filter(action="job.create").values_list("object_id", flat=True)) == [str(job.pk)]


def test_confirm_writes_the_valid_rows_households_whole(
    importer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    mixed = Mixed()
    client = client_for(importer)
    job = web_import(client, django_capture_on_commit_callbacks, mixed.content)
    people_before = Person.objects.count()

    commit = web_confirm(client, django_capture_on_commit_callbacks, job)

    assert (commit.kind, commit.status, commit.title) == (COMMIT, "succeeded", "导入写入：人员名单.xlsx")
    assert commit.input_file_id == job.input_file_id
    assert commit.counts == {
        **MIXED_COUNTS,
        "households_created": 1,
        "members_added": 1,
        "members_moved": 0,
    }
    assert commit.message == (
        "已写入：新增人员 3，更新 0，无变化 0；新建家庭户 1，加入成员 1，迁移成员 0。 有错误的 11 行未导入。"
    )
    assert commit.errors == MIXED_ERRORS
    assert Person.objects.count() == people_before + 3

    head = Person.objects.get(name="张建国")
    assert (head.id_number, head.phone, head.address, head.hukou_region_id, head.residence_region_id) == (
        mixed.head,
        "13812345678",
        "南门路1号",
        OWN_VILLAGE,
        None,
    )
    born = mixed.head[6:14]
    assert (head.sex, head.birth_date) == ("M", datetime.date(int(born[:4]), int(born[4:6]), int(born[6:])))
    spouse = Person.objects.get(name="李秀英")
    assert (spouse.id_number, spouse.sex, spouse.residence_region_id) == (mixed.spouse, "F", OWN_VILLAGE)
    loner = Person.objects.get(name="张小明")
    assert (loner.id_number, loner.phone, loner.residence_region_id) == (mixed.loner, "13900001111", "310151101002")

    household = Household.objects.get(number="H1")
    assert (household.region_id, household.address) == (OWN_VILLAGE, "南门路1号")
    assert sorted(household.members.values_list("person__name", "relation")) == [
        ("张建国", "head"),
        ("李秀英", "spouse"),
    ]
    assert not HouseholdMember.objects.filter(person=loner).exists()
    # Households with any bad row are not imported at all, not even their good rows.
    assert not Household.objects.filter(number__in=["H2", "H3", "H4", "H5"]).exists()
    assert not Person.objects.filter(
        name__in=["王五", "赵六", "钱七", "孙八", "周九", "冯十", "陈十一", "吴十二", "郑十三", "蒋十四", "沈十五"]
    ).exists()

    events = AuditEvent.objects.filter(actor=importer).exclude(action="job.create")
    assert sorted(events.values_list("action", "object_id")) == sorted(
        [
            ("person.create", str(head.pk)),
            ("person.create", str(spouse.pk)),
            ("person.create", str(loner.pk)),
            ("household.create", str(household.pk)),
            ("household.member_add", str(household.pk)),
        ]
    )
    member_add = events.get(action="household.member_add")
    assert member_add.changes == {"person": spouse.pk, "name": "李秀英", "relation": "spouse"}
    assert events.get(action="person.create", object_id=str(head.pk)).changes["after"]["id_number"] == (
        mixed.head[:6] + "********" + mixed.head[-4:]
    )

    # The validation page now links to the commit job instead of offering to confirm again.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'action="/jobs/{job.pk}/confirm/"' not in page
    assert f'<a href="/jobs/{commit.pk}/">任务 #{commit.pk}</a>' in page


def test_confirm_through_the_api(
    importer: User, api_token: Callable[[User], str], django_capture_on_commit_callbacks: Capture
) -> None:
    mixed = Mixed()
    client = api_client(api_token(importer))
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post(
            "/api/v1/imports/persons", {"file": SimpleUploadedFile("名单.xlsx", mixed.content)}
        ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/imports/{job_id}/confirm")
    assert response.status_code == 202
    commit_id = response.json()["id"]
    assert response.json()["kind"] == COMMIT
    assert Job.objects.get(pk=commit_id).parent_id == job_id

    commit = client.get(f"/api/v1/jobs/{commit_id}").json()
    assert commit["status"] == "succeeded"
    assert commit["counts"] == {**MIXED_COUNTS, "households_created": 1, "members_added": 1, "members_moved": 0}
    assert sorted(
        Person.objects.filter(id_number_hash__in=_hashes(mixed.head, mixed.spouse, mixed.loner)).values_list(
            "name", flat=True
        )
    ) == sorted(["张建国", "李秀英", "张小明"])
    assert sorted(Household.objects.get(number="H1").members.values_list("person__name", "relation")) == [
        ("张建国", "head"),
        ("李秀英", "spouse"),
    ]


def _hashes(*numbers: str) -> list[str]:
    from core.services.people import id_hash

    return [id_hash(n) for n in numbers]


def test_importing_the_same_file_twice_creates_nothing_new(
    importer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    numbers = [next_id_number(), next_id_number(male=False), next_id_number()]
    content = xlsx(
        [
            row("沈大海", numbers[0], phone="13811112222", address="花园弄2号", household="H-TWICE", relation="户主"),
            row("韩梅", numbers[1], household="H-TWICE", relation="配偶"),
            row("杨光", numbers[2], hukou="310151101002"),
        ]
    )
    client = client_for(importer)
    first = web_confirm(
        client, django_capture_on_commit_callbacks, web_import(client, django_capture_on_commit_callbacks, content)
    )
    assert first.counts["create"] == 3
    after_first = registry_snapshot()
    people = list(Person.objects.order_by("id").values_list("id", "name", "updated_at"))

    second = web_import(client, django_capture_on_commit_callbacks, content)
    assert second.counts == {
        "rows": 3,
        "valid": 3,
        "invalid": 0,
        "create": 0,
        "update": 0,
        "unchanged": 3,
        "new_households": 0,
    }
    assert (second.errors, second.error_count, second.result_file) == ([], 0, None)
    assert second.message == "共 3 行：可导入 3 行（新增 0，更新 0，无变化 3），有错误 0 行。"

    commit = web_confirm(client, django_capture_on_commit_callbacks, second)
    assert commit.counts == {
        **second.counts,
        "households_created": 0,
        "members_added": 0,
        "members_moved": 0,
    }
    assert commit.message == "已写入：新增人员 0，更新 0，无变化 3；新建家庭户 0，加入成员 0，迁移成员 0。"
    assert registry_snapshot() == after_first
    assert list(Person.objects.order_by("id").values_list("id", "name", "updated_at")) == people
    assert Household.objects.filter(number="H-TWICE").count() == 1


def test_an_update_keeps_fields_the_sheet_leaves_empty(
    importer: User, make_person: Callable[..., Person], django_capture_on_commit_callbacks: Capture
) -> None:
    number = next_id_number()
    person = make_person(
        "陆文", id_number=number, phone="13812345678", address="旧路3号", residence_region="310151101002"
    )
    content = xlsx([row("陆文", number, address="新路5号")])
    client = client_for(importer)

    job = web_import(client, django_capture_on_commit_callbacks, content)
    assert (job.counts["update"], job.counts["unchanged"], job.counts["create"]) == (1, 0, 0)
    commit = web_confirm(client, django_capture_on_commit_callbacks, job)
    assert commit.message == "已写入：新增人员 0，更新 1，无变化 0；新建家庭户 0，加入成员 0，迁移成员 0。"

    person.refresh_from_db()
    assert (person.name, person.phone, person.address, person.residence_region_id) == (
        "陆文",
        "13812345678",
        "新路5号",
        "310151101002",
    )
    update = AuditEvent.objects.get(action="person.update", object_id=str(person.pk))
    assert update.actor == importer
    assert update.changes == {"before": {"address": "旧路3号"}, "after": {"address": "新路5号"}}

    # The same row again, with the phone still empty: nothing to change.
    again = web_import(client, django_capture_on_commit_callbacks, content)
    assert (again.counts["update"], again.counts["unchanged"]) == (0, 1)


def test_rows_outside_the_importers_scope_are_refused_per_row(
    importer: User, make_person: Callable[..., Person], django_capture_on_commit_callbacks: Capture
) -> None:
    registered_elsewhere = next_id_number()
    elsewhere = make_person("许多", region=OTHER_TOWNSHIP_VILLAGE, id_number=registered_elsewhere, address="堡镇1号")
    inside, outside = next_id_number(), next_id_number()
    content = xlsx(
        [
            row("何平", inside),
            row("吕方", outside, hukou=OTHER_TOWNSHIP_VILLAGE),
            row("许多", registered_elsewhere, address="城桥镇9号"),
        ]
    )
    client = client_for(importer)
    job = web_import(client, django_capture_on_commit_callbacks, content)
    assert job.counts == {
        "rows": 3,
        "valid": 1,
        "invalid": 2,
        "create": 1,
        "update": 0,
        "unchanged": 0,
        "new_households": 0,
    }
    assert job.errors == [
        {"row": 3, "column": "户籍地区划代码", "message": "户籍地和居住地都不在您的管辖范围内"},
        {
            "row": 4,
            "column": "身份证号",
            "message": "该身份证号已在 上海市崇明区堡镇解放社区居委会 登记，不在您的管辖范围内",
        },
    ]

    web_confirm(client, django_capture_on_commit_callbacks, job)
    assert Person.objects.filter(id_number_hash__in=_hashes(inside)).get().name == "何平"
    assert not Person.objects.filter(id_number_hash__in=_hashes(outside)).exists()
    elsewhere.refresh_from_db()
    assert (elsewhere.address, elsewhere.hukou_region_id) == ("堡镇1号", OTHER_TOWNSHIP_VILLAGE)
    assert not AuditEvent.objects.filter(
        object_type="core.person", object_id=str(elsewhere.pk), actor=importer
    ).exists()


# --- Files that are not an import workbook ----------------------------------------------------

MISSING_HEADERS = (
    "表头缺少必填列：姓名、身份证号。表头应包含：姓名、身份证号、户籍地区划代码、居住地区划代码、手机号码、"
    "居住地址、户编号、与户主关系。请使用导入模板"
)
NOT_XLSX = "文件不是 Excel 工作簿（.xlsx）。旧版 .xls 或 .csv 请先在 Excel 中另存为 .xlsx"
UNREADABLE = "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式"


def _corrupt_sheet_xml() -> bytes:
    """A real workbook whose worksheet XML was cut off (a damaged copy)."""
    good = zipfile.ZipFile(io.BytesIO(xlsx([row("张三", next_id_number())])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for name in good.namelist():
            data = good.read(name)
            damaged.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    return buffer.getvalue()


# (file name, content builder, message on the web page, message from the API)
BAD_FILES: dict[str, tuple[str, Callable[[], bytes], str, str]] = {
    "plain-text": ("名单.xlsx", lambda: "姓名,身份证号\n张三,310230195001010011\n".encode(), NOT_XLSX, NOT_XLSX),
    "png": ("照片.png", lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(2048), NOT_XLSX, NOT_XLSX),
    "xls-like": ("旧表.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096), NOT_XLSX, NOT_XLSX),
    "zip-junk": ("损坏.xlsx", lambda: b"PK\x03\x04" + os.urandom(4096), UNREADABLE, UNREADABLE),
    "damaged-sheet": ("损坏.xlsx", _corrupt_sheet_xml, UNREADABLE, UNREADABLE),
    "wrong-headers": (
        "名单.xlsx",
        lambda: xlsx([["张三", "310230195001010011"]], headers=["名字", "号码", "户籍地区划代码"]),
        MISSING_HEADERS,
        MISSING_HEADERS,
    ),
    # The web form refuses an empty upload itself (Django's message); the API reads it.
    "empty": ("空.xlsx", lambda: b"", "所提交的是空文件。", "文件是空的"),
    "headers-only": ("模板.xlsx", lambda: xlsx([]), "文件只有表头，没有数据行", "文件只有表头，没有数据行"),
    "50mb": (
        "大文件.xlsx",
        lambda: b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024 - 4),
        "文件过大（50.0 MB），最大 20 MB",
        "文件过大（50.0 MB），最大 20 MB",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_on_the_web_page(
    importer: User, django_capture_on_commit_callbacks: Capture, case: str
) -> None:
    name, build, message, _ = BAD_FILES[case]
    files_before = StoredFile.objects.count()
    response = web_upload(client_for(importer), django_capture_on_commit_callbacks, build(), name=name)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<ul class="errorlist"><li>{message}</li></ul>' in page
    assert not Job.objects.exists()
    assert StoredFile.objects.count() == files_before


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_by_the_api(
    importer: User, api_token: Callable[[User], str], django_capture_on_commit_callbacks: Capture, case: str
) -> None:
    name, build, _, message = BAD_FILES[case]
    client = api_client(api_token(importer))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/persons", {"file": SimpleUploadedFile(name, build())})
    assert response.status_code == 422
    assert response.json() == {"detail": message, "errors": {"file": [message]}}
    assert not Job.objects.exists()
    assert not StoredFile.objects.exists()


# --- Who may confirm, and only once -------------------------------------------------------------


def test_only_the_uploader_confirms_and_only_once(
    importer: User,
    make_user: Callable[..., User],
    api_token: Callable[[User], str],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    colleague = make_user("colleague", "township_officer", OWN_TOWNSHIP)
    content = xlsx([row("钟山", next_id_number()), row("叶青", next_id_number(male=False))])
    owner_web = client_for(importer)
    job = web_import(owner_web, django_capture_on_commit_callbacks, content)
    people_before = Person.objects.count()

    # The colleague sees the job (same township) but may not confirm it.
    colleague_web = client_for(colleague)
    page = colleague_web.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert f'action="/jobs/{job.pk}/confirm/"' not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert colleague_web.post(f"/jobs/{job.pk}/confirm/").status_code == 403
    colleague_api = api_client(api_token(colleague))
    with django_capture_on_commit_callbacks(execute=True):
        refused = colleague_api.post(f"/api/v1/imports/{job.pk}/confirm")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "只有上传该文件的用户可以确认导入"}
    assert not Job.objects.filter(kind=COMMIT).exists()
    assert Person.objects.count() == people_before

    commit = web_confirm(owner_web, django_capture_on_commit_callbacks, job)
    # A second confirmation (double click, or the API afterwards) leads to the same commit job.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = owner_web.post(f"/jobs/{job.pk}/confirm/", follow=True)
    assert callbacks == []
    assert again.redirect_chain == [(f"/jobs/{commit.pk}/", 302)]
    assert "该文件已确认导入" in again.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        through_api = api_client(api_token(importer)).post(f"/api/v1/imports/{job.pk}/confirm")
    assert callbacks == []
    assert (through_api.status_code, through_api.json()["id"]) == (202, commit.pk)
    assert list(Job.objects.filter(kind=COMMIT).values_list("pk", flat=True)) == [commit.pk]
    assert Person.objects.count() == people_before + 2


def test_a_validation_job_that_failed_cannot_be_confirmed(
    importer: User, api_token: Callable[[User], str], django_capture_on_commit_callbacks: Capture
) -> None:
    job = web_import(client_for(importer), django_capture_on_commit_callbacks, xlsx([row("钟山", next_id_number())]))
    Job.objects.filter(pk=job.pk).update(status="failed")
    response = api_client(api_token(importer)).post(f"/api/v1/imports/{job.pk}/confirm")
    assert (response.status_code, response.json()) == (409, {"detail": "校验尚未完成或已失败，不能确认"})
    assert client_for(importer).post(f"/jobs/{job.pk}/confirm/").status_code == 404
    assert not Job.objects.filter(kind=COMMIT).exists()


# --- The template -------------------------------------------------------------------------------


def test_the_template_has_the_import_columns_and_imports_cleanly(
    importer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(importer)
    response = client.get("/people/import/template/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E4%B8%8E%E5%AE%B6%E5%BA%AD%E6%88%B7"
        "%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    try:
        assert book.sheetnames == ["人员与家庭户", "填写说明"]
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    assert rows[0] == HEADERS

    # The example rows are themselves valid: uploading the template as it is gives no errors.
    job = web_import(client, django_capture_on_commit_callbacks, response.content)
    assert (job.counts["rows"], job.counts["valid"], job.counts["new_households"], job.errors) == (2, 2, 1, [])
