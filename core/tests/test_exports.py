"""Export of the people list to Excel, on the web (/people/export/) and through the API
(/api/v1/persons/export): the list's filters, the user's scope, masking, the audit event, and
the switch to a background job above ``EXPORT_SYNC_LIMIT`` rows."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import OTHER_TOWNSHIP_VILLAGE, OTHER_VILLAGE, OWN_VILLAGE, api_client, client_for, next_id_number
from core import exports, services
from core.models import AuditEvent, Job, Person, Region, User

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "年龄",
    "身份证号",
    "手机号码",
    "户籍地",
    "户籍地区划代码",
    "居住地",
    "居住地址",
    "户编号",
    "与户主关系",
    "死亡日期",
]
Capture = Callable[..., Any]


def sheet_rows(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        assert book.sheetnames == ["人员名单"]
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    # Empty cells at the end of a row are not stored; pad to the header's width.
    return [r + [None] * (len(rows[0]) - len(r)) for r in rows]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def age(birth: datetime.date, today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def born(number: str) -> datetime.date:
    """The birth date written in an ID number (positions 7–14)."""
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


@dataclass
class World:
    head: Person  # 城桥镇南门居委会, male, head of HH-EXP
    wife: Person  # 城桥镇南门居委会, female, spouse in HH-EXP
    neighbour: Person  # 城桥镇花园弄居委会, male
    far: Person  # 堡镇, male
    lodger: Person  # hukou in 堡镇, lives in 南门居委会, male


@pytest.fixture
def world(make_person: Callable[..., Person]) -> World:
    head = make_person(
        "张建国",
        id_number=next_id_number(datetime.date(1958, 3, 2)),
        phone="13812345678",
        address="南门路1号",
    )
    wife = make_person("李秀英", id_number=next_id_number(datetime.date(1960, 7, 9), male=False))
    neighbour = make_person("王根宝", region=OTHER_VILLAGE, id_number=next_id_number(datetime.date(1970, 1, 1)))
    far = make_person("许多", region=OTHER_TOWNSHIP_VILLAGE, id_number=next_id_number(datetime.date(1980, 2, 2)))
    lodger = make_person(
        "张三丰",
        region=OTHER_TOWNSHIP_VILLAGE,
        residence_region=OWN_VILLAGE,
        id_number=next_id_number(datetime.date(1990, 12, 31)),
        phone="13900001111",
    )
    admin = User.objects.get(username="fixture-admin")
    household = services.household_create(
        acting_user=admin, region=Region.objects.get(code=OWN_VILLAGE), head=head, number="HH-EXP"
    )
    services.household_add_member(acting_user=admin, household=household, person=wife, relation="spouse")
    return World(head, wife, neighbour, far, lodger)


def names(rows: list[list[Any]]) -> list[str]:
    return [r[0] for r in rows[1:]]


def test_export_has_the_list_filters_and_masks_for_a_village_worker(users: dict[str, User], world: World) -> None:
    client = client_for(users["own"])
    response = client.get("/people/export/", {"sex": "M"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%90%8D%E5%8D%95.xlsx"
    rows = sheet_rows(response.content)
    head, lodger = world.head, world.lodger
    assert rows == [
        HEADER,
        [
            "张建国",
            "男",
            datetime.datetime.combine(born(head.id_number), datetime.time()),
            age(born(head.id_number)),
            masked(head.id_number),
            "138****5678",
            "城桥镇南门居委会",
            OWN_VILLAGE,
            None,
            "南门路1号",
            "HH-EXP",
            "户主",
            None,
        ],
        [
            "张三丰",
            "男",
            datetime.datetime.combine(born(lodger.id_number), datetime.time()),
            age(born(lodger.id_number)),
            masked(lodger.id_number),
            "139****1111",
            "堡镇解放社区居委会",
            OTHER_TOWNSHIP_VILLAGE,
            "城桥镇南门居委会",
            None,
            None,
            None,
            None,
        ],
    ]
    assert masked(head.id_number) == f"{head.id_number[:6]}********{head.id_number[14:]}"


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("own", {}, ["张建国", "李秀英", "张三丰"]),
        ("own", {"q": "张"}, ["张建国", "张三丰"]),
        ("own", {"sex": "F"}, ["李秀英"]),
        ("own", {"region": OTHER_VILLAGE}, []),
        ("parent", {}, ["张建国", "李秀英", "王根宝", "张三丰"]),
        ("parent", {"region": OTHER_VILLAGE}, ["王根宝"]),
        ("parent", {"q": "wgb"}, ["王根宝"]),
        ("other", {}, ["王根宝"]),
        ("district", {}, ["张建国", "李秀英", "王根宝", "许多", "张三丰"]),
        ("district", {"region": "310151102", "sex": "M"}, ["许多", "张三丰"]),
        ("district", {"in_household": "yes"}, ["张建国", "李秀英"]),
    ],
)
def test_export_rows_are_the_users_scope_and_filters(
    users: dict[str, User],
    world: World,
    api_token: Callable[[User], str],
    who: str,
    query: dict[str, str],
    expected: list[str],
) -> None:
    web = client_for(users[who]).get("/people/export/", query)
    api = api_client(api_token(users[who])).get("/api/v1/persons/export", query)
    assert (web.status_code, api.status_code) == (200, 200)
    assert api["Content-Type"] == XLSX
    assert names(sheet_rows(web.content)) == expected
    assert names(sheet_rows(api.content)) == expected
    # The list page with the same filters shows the same people.
    listed = api_client(api_token(users[who])).get("/api/v1/persons", {**query, "page_size": 100}).json()
    assert sorted(p["name"] for p in listed["results"]) == sorted(expected)


@pytest.mark.parametrize(("who", "clear"), [("own", False), ("parent", False), ("district", True)])
def test_id_and_phone_numbers_are_masked_unless_the_user_may_see_them(
    users: dict[str, User], world: World, api_token: Callable[[User], str], who: str, clear: bool
) -> None:
    number = world.head.id_number
    expected = [number, "13812345678"] if clear else [masked(number), "138****5678"]
    for response in (
        client_for(users[who]).get("/people/export/", {"q": "张建国"}),
        api_client(api_token(users[who])).get("/api/v1/persons/export", {"q": "张建国"}),
    ):
        rows = sheet_rows(body(response))
        assert [r[4:6] for r in rows[1:]] == [expected]
    if clear:
        # Clear numbers in an export are a sensitive read, audited with its purpose.
        reads = AuditEvent.objects.filter(action="person.sensitive_read", actor=users[who])
        assert [e.changes for e in reads] == [{"purpose": "导出人员名单", "person_ids": [world.head.pk]}] * 2
    else:
        assert not AuditEvent.objects.filter(action="person.sensitive_read").exists()


def test_every_export_is_audited_with_its_query_and_row_count(
    users: dict[str, User], world: World, api_token: Callable[[User], str]
) -> None:
    client_for(users["own"]).get("/people/export/", {"sex": "M", "q": "张"})
    api_client(api_token(users["district"])).get("/api/v1/persons/export", {"region": OWN_VILLAGE})
    events = list(AuditEvent.objects.filter(action="person.export").order_by("id"))
    assert [(e.actor_username, e.object_type, e.object_repr, e.changes) for e in events] == [
        ("own", "core.person", "导出 2 人", {"query": "sex=M&q=%E5%BC%A0", "rows": 2, "unmasked_rows": 0}),
        ("district", "core.person", "导出 3 人", {"query": "region=310151101001", "rows": 3, "unmasked_rows": 3}),
    ]


def test_an_invalid_filter_exports_nothing(
    users: dict[str, User], world: World, api_token: Callable[[User], str]
) -> None:
    web = client_for(users["own"]).get("/people/export/", {"sex": "X"}, follow=True)
    assert web.redirect_chain == [("/people/", 302)]
    assert "筛选条件无效，无法导出" in web.content.decode()
    api = api_client(api_token(users["own"])).get("/api/v1/persons/export", {"age_min": "-1"})
    assert api.status_code == 422
    # The same answer as the list endpoint gives for the same filter: the field is named.
    listed = api_client(api_token(users["own"])).get("/api/v1/persons", {"age_min": "-1"})
    assert (
        api.json()
        == listed.json()
        == {"detail": "确保该值大于或等于0。", "errors": {"age_min": ["确保该值大于或等于0。"]}}
    )
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_export_needs_the_export_permission(
    users: dict[str, User], world: World, api_token: Callable[[User], str]
) -> None:
    assert client_for(users["noperm"]).get("/people/export/").status_code == 403
    response = api_client(api_token(users["noperm"])).get("/api/v1/persons/export")
    assert (response.status_code, response.json()) == (403, {"detail": "您的账号没有此操作的权限"})
    assert not AuditEvent.objects.filter(action="person.export").exists()


# --- Large exports become jobs ------------------------------------------------------------------


def test_a_large_export_on_the_web_becomes_a_job_with_the_workbook(
    users: dict[str, User], world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    client = client_for(users["own"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/people/export/", {"status": "alive"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.title, job.params, job.region_id, job.requested_by) == (
        "core.person_export",
        "导出人员名单（3 人）",
        {"query": "status=alive"},
        OWN_VILLAGE,
        users["own"],
    )
    assert (job.status, job.counts, job.message) == ("succeeded", {"rows": 3}, "已导出 3 人")
    assert (job.progress_done, job.percent) == (3, 100)
    assert job.result_file is not None
    assert job.result_file.original_name == f"人员名单-{job.pk}.xlsx"

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "共 3 人，已转为后台任务导出，完成后可在此下载" in page
    assert f'<a href="/files/{job.result_file_id}/">人员名单-{job.pk}.xlsx</a>' in page
    rows = sheet_rows(body(client.get(f"/files/{job.result_file_id}/")))
    assert names(rows) == ["张建国", "李秀英", "张三丰"]
    assert rows[1][4] == masked(world.head.id_number)

    export = AuditEvent.objects.get(action="person.export")
    assert (export.actor_username, export.changes) == (
        "own",
        {"query": "status=alive", "rows": 3, "unmasked_rows": 0},
    )


def test_a_large_export_through_the_api_answers_202_with_the_job(
    users: dict[str, User],
    world: World,
    api_token: Callable[[User], str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    client = api_client(api_token(users["district"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/v1/persons/export", {"sex": "M"})
    assert response.status_code == 202
    accepted = response.json()
    job = Job.objects.get()
    assert (accepted["id"], accepted["kind"], accepted["kind_label"], accepted["title"]) == (
        job.pk,
        "core.person_export",
        "人员名单导出",
        "导出人员名单（4 人）",
    )

    done = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert (done["status"], done["counts"], done["message"], done["percent"]) == (
        "succeeded",
        {"rows": 4},
        "已导出 4 人",
        100,
    )
    download = client.get(f"/api/v1/files/{done['result_file']}")
    assert download.status_code == 200
    rows = sheet_rows(body(download))
    assert rows[0] == HEADER
    assert [(r[0], r[4]) for r in rows[1:]] == [
        ("张建国", world.head.id_number),
        ("王根宝", world.neighbour.id_number),
        ("许多", world.far.id_number),
        ("张三丰", world.lodger.id_number),
    ]
    # Someone outside the job's region cannot fetch the file.
    assert api_client(api_token(users["other"])).get(f"/api/v1/files/{done['result_file']}").status_code == 404


def test_at_the_limit_the_export_is_still_immediate(
    users: dict[str, User], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 3)
    response = client_for(users["own"]).get("/people/export/")
    assert (response.status_code, response["Content-Type"]) == (200, XLSX)
    assert names(sheet_rows(response.content)) == ["张建国", "李秀英", "张三丰"]
    assert not Job.objects.exists()
