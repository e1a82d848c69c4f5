"""Who may do what at the editors' desk.

Two groups: *editors* propose, edit, merge and send for review; *reviewers* also publish
and reject. Superusers are both. Every desk view asks these functions, on the server;
templates only hide buttons the server would refuse anyway.
"""

from __future__ import annotations

EDITORS = "editors"
REVIEWERS = "reviewers"

_EDITING = [
    f"{action}_{model}"
    for model in ("event", "evidence", "figure", "eventactor")
    for action in ("add", "change", "view")
] + ["view_article", "view_actor", "view_location", "view_eventtype"]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITORS: _EDITING,
    REVIEWERS: [*_EDITING, "review_event"],
}


def ensure_roles(group_model, permission_model) -> None:
    """Create both groups with their permissions (idempotent). Takes the models so that
    the data migration can pass its historical ones."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = permission_model.objects.filter(
            content_type__app_label="timeline", codename__in=codenames
        )
        group.permissions.add(*permissions)


def is_desk_user(user) -> bool:
    """Staff who may open the desk at all: they can at least edit events."""
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm("timeline.change_event")
    )


def can_edit(user) -> bool:
    """Edit, merge, revert and send back for review."""
    return is_desk_user(user)


def can_review(user) -> bool:
    """Publish and reject."""
    return is_desk_user(user) and user.has_perm("timeline.review_event")


def make_editor(*, username: str, reviewer: bool = False, email: str = ""):
    """Create (or update) a staff account in the editors group, and reviewers with
    `reviewer`. Returns (user, created). A new account has no usable password yet."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    ensure_roles(Group, Permission)
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"email": email, "is_staff": True}
    )
    if created:
        user.set_unusable_password()
    user.is_staff = True
    if email:
        user.email = email
    user.save()
    user.groups.add(Group.objects.get(name=EDITORS))
    if reviewer:
        user.groups.add(Group.objects.get(name=REVIEWERS))
    else:
        user.groups.remove(*Group.objects.filter(name=REVIEWERS))
    return user, created
