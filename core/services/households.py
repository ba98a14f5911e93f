"""Households and their composition. Every change of membership is an audited event."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import events
from core.audit import audit_record
from core.choices import Relation
from core.models import Household, HouseholdMember, Person, Region, User
from core.permissions import CorePerm
from core.scoping import has_perm


def _require_scope(acting_user: User, region_code: str, field: str = "region") -> None:
    if not has_perm(acting_user, CorePerm.CHANGE_HOUSEHOLD, region_code):
        raise ValidationError({field: ["该家庭户不在您的管辖范围内"]})


def _relation(value: str) -> Relation:
    try:
        return Relation(value)
    except ValueError:
        labels = {label: choice for choice, label in Relation.choices}
        if value in labels:
            return Relation(labels[value])
        raise ValidationError({"relation": [f"与户主关系“{value}”无效，可选：{'、'.join(labels)}"]}) from None


def _membership_error(person: Person) -> ValidationError | None:
    membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
    if membership is None:
        return None
    return ValidationError({"person": [f"{person.name} 已是户 {membership.household.number} 的成员，请使用“迁移成员”"]})


def household_create(
    *,
    acting_user: User,
    region: Region,
    head: Person,
    address: str = "",
    number: str = "",
    joined_on: datetime.date | None = None,
) -> Household:
    """Open a household at a village with its head (户主)."""
    _require_scope(acting_user, region.code)
    if region.level != "village" or region.is_retired:
        raise ValidationError({"region": ["家庭户应建在现行的村/居委会下"]})
    number = number.strip()
    if number and Household.objects.filter(number=number).exists():
        raise ValidationError({"number": [f"户编号 {number} 已存在"]})
    error = _membership_error(head)
    if error:
        raise error
    with transaction.atomic():
        household = Household.objects.create(number=number or f"tmp-{head.pk}", region=region, address=address.strip())
        if not number:
            # A system number when none was given: stable, unique and readable.
            household.number = f"H{household.pk:09d}"
            household.save(update_fields=["number"])
        try:
            with transaction.atomic():
                HouseholdMember.objects.create(
                    household=household,
                    person=head,
                    relation=Relation.HEAD,
                    joined_on=joined_on or datetime.date.today(),
                )
        except IntegrityError:
            raise _membership_error(head) or ValidationError({"person": ["该人员已属于其他家庭户"]}) from None
        audit_record(
            action="household.create",
            actor=acting_user,
            obj=household,
            region_code=region.code,
            changes={
                "after": {
                    "number": household.number,
                    "region": region.code,
                    "address": household.address,
                    "head": head.pk,
                }
            },
        )
    transaction.on_commit(
        lambda: events.household_member_joined.send(
            sender=Household, person=head, household=household, acting_user=acting_user
        )
    )
    return household


def household_add_member(
    *,
    acting_user: User,
    household: Household,
    person: Person,
    relation: str,
    joined_on: datetime.date | None = None,
) -> HouseholdMember:
    """Add a person who belongs to no household yet."""
    _require_scope(acting_user, household.region_id)
    rel = _relation(relation)
    if rel == Relation.HEAD:
        raise ValidationError({"relation": ["已有户主；如需变更户主请使用“设为户主”"]})
    error = _membership_error(person)
    if error:
        raise error
    try:
        with transaction.atomic():
            member = HouseholdMember.objects.create(
                household=household, person=person, relation=rel, joined_on=joined_on or datetime.date.today()
            )
            audit_record(
                action="household.member_add",
                actor=acting_user,
                obj=household,
                region_code=household.region_id,
                changes={"person": person.pk, "name": person.name, "relation": rel.value},
            )
    except IntegrityError:
        raise _membership_error(person) or ValidationError({"person": ["该人员已属于其他家庭户"]}) from None
    transaction.on_commit(
        lambda: events.household_member_joined.send(
            sender=Household, person=person, household=household, acting_user=acting_user
        )
    )
    return member


def household_move_member(
    *,
    acting_user: User,
    person: Person,
    to_household: Household,
    relation: str,
    joined_on: datetime.date | None = None,
) -> HouseholdMember:
    """Move a member from their household to another (分户/并户). The head must be changed first."""
    rel = _relation(relation)
    if rel == Relation.HEAD:
        raise ValidationError({"relation": ["迁入后不能直接作为户主，请迁入后再设为户主"]})
    member = HouseholdMember.objects.select_related("household").filter(person=person).first()
    if member is None:
        raise ValidationError({"person": [f"{person.name} 不属于任何家庭户，请使用“添加成员”"]})
    from_household = member.household
    if from_household.pk == to_household.pk:
        raise ValidationError({"to_household": ["迁出户与迁入户相同"]})
    _require_scope(acting_user, from_household.region_id)
    _require_scope(acting_user, to_household.region_id, "to_household")
    if member.relation == Relation.HEAD and from_household.members.count() > 1:
        raise ValidationError({"person": ["户主不能直接迁出，请先为原户指定新户主"]})
    with transaction.atomic():
        member.household = to_household
        member.relation = rel
        member.joined_on = joined_on or datetime.date.today()
        member.save()
        audit_record(
            action="household.member_move",
            actor=acting_user,
            obj=to_household,
            region_code=to_household.region_id,
            changes={
                "person": person.pk,
                "name": person.name,
                "from": from_household.number,
                "to": to_household.number,
                "relation": rel.value,
            },
        )
    transaction.on_commit(
        lambda: events.household_member_left.send(
            sender=Household,
            person=person,
            household=from_household,
            to_household=to_household,
            acting_user=acting_user,
        )
    )
    return member


def household_remove_member(*, acting_user: User, household: Household, person: Person, reason: str = "") -> None:
    """Remove a member (moved away, deceased). The head can be removed only when alone."""
    _require_scope(acting_user, household.region_id)
    member = HouseholdMember.objects.filter(household=household, person=person).first()
    if member is None:
        raise ValidationError({"person": [f"{person.name} 不是户 {household.number} 的成员"]})
    if member.relation == Relation.HEAD and household.members.count() > 1:
        raise ValidationError({"person": ["户主不能直接移出，请先指定新户主"]})
    with transaction.atomic():
        member.delete()
        audit_record(
            action="household.member_remove",
            actor=acting_user,
            obj=household,
            region_code=household.region_id,
            changes={"person": person.pk, "name": person.name, "relation": member.relation, "reason": reason},
        )
    transaction.on_commit(
        lambda: events.household_member_left.send(
            sender=Household, person=person, household=household, to_household=None, acting_user=acting_user
        )
    )


def household_set_head(*, acting_user: User, household: Household, person: Person, former_head_relation: str) -> None:
    """Make a member the head; the former head keeps membership with the relation given."""
    _require_scope(acting_user, household.region_id)
    rel = _relation(former_head_relation)
    if rel == Relation.HEAD:
        raise ValidationError({"relation": ["请为原户主选择新的与户主关系"]})
    new_head = HouseholdMember.objects.filter(household=household, person=person).first()
    if new_head is None:
        raise ValidationError({"person": [f"{person.name} 不是户 {household.number} 的成员"]})
    if new_head.relation == Relation.HEAD:
        raise ValidationError({"person": [f"{person.name} 已是户主"]})
    with transaction.atomic():
        old_head = (
            HouseholdMember.objects.select_for_update().filter(household=household, relation=Relation.HEAD).first()
        )
        if old_head:
            old_head.relation = rel
            old_head.save(update_fields=["relation"])
        previous_relation = new_head.relation
        new_head.relation = Relation.HEAD
        new_head.save(update_fields=["relation"])
        audit_record(
            action="household.set_head",
            actor=acting_user,
            obj=household,
            region_code=household.region_id,
            changes={
                "new_head": person.pk,
                "new_head_previous_relation": previous_relation,
                "former_head": old_head.person_id if old_head else None,
                "former_head_relation": rel.value,
            },
        )
