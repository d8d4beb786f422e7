"""Input and output schemas of ``create_token`` (a personal access token, Tasq's)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from models.tokens import parse_scopes
from schemas.base import Params, Text, split_list


class Scopes(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        try:
            return parse_scopes(" ".join(split_list(value)))
        except ValueError as err:
            raise ValidationError(f"unknown scope {err}") from None


class CreateTokenIn(Params):
    """``scopes``: some of the calling token's (default: all of them); ``days``: 1..3650."""

    name = Text(max_length=200, required=True)
    scopes = Scopes()
    days = fields.Integer(strict=False, load_default=30, validate=validate.Range(
        1, 3650, error="must be 1 to 3650 days"))
