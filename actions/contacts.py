"""Contacts (outside people, never invited) and their folders."""

from __future__ import annotations

from peewee import JOIN

from actions.registry import action
from models.members import CONTACT_PRESETS, Contact, ContactFolder
from schemas.members import (
    AddContactGroupIn,
    AddContactIn,
    ContactFolderOut,
    ContactOut,
    contact_presets,
)
from schemas.paging import PagedIn, listed, listing

contact_out = ContactOut()
contacts_out = ContactOut(many=True)
folder_out = ContactFolderOut()
folders_out = ContactFolderOut(many=True)

CONTACT_FIELDS = ("title", "email", "phone", "phone2", "phone3", "phone4", "address", "address2")


@action(PagedIn)
def get_contacts(params):
    """Get the account's contacts."""
    return listing(Contact.select(), params, (Contact.id,), contacts_out.dump, rows=lambda query: (
        query.select(Contact, ContactFolder).join(ContactFolder, join_type=JOIN.LEFT_OUTER)))


@action(AddContactIn, writes=True)
def add_contact(params):
    """Create a contact (no invitation is sent)."""
    first, _, last = params["name"].partition(" ")
    contact = Contact(first_name=first, last_name=last.strip(),
                      **{k: params[k] for k in CONTACT_FIELDS if k in params})
    group = params.get("group")
    if group and group.upper() in CONTACT_PRESETS:
        contact.preset = group.upper()
    elif group:
        contact.folder = folder_by_title(group)
    contact.save()
    return contact_out.dump(contact)


@action(PagedIn)
def get_contact_groups(params):
    """Get the contact folders: the four presets, then the account's own folders."""
    groups = contact_presets() + folders_out.dump(ContactFolder.select().order_by(ContactFolder.id))
    return listed(groups, params, lambda group: (group["type"] == "folder", int(group["id"])))


@action(AddContactGroupIn, writes=True)
def add_contact_group(params):
    """Create a contact folder, unless one with the same title exists."""
    return folder_out.dump(folder_by_title(params["title"]))


def folder_by_title(title: str) -> ContactFolder:
    folder = ContactFolder.get_or_none(ContactFolder.title == title)
    return folder or ContactFolder.create(title=title)
