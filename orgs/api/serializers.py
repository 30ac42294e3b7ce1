"""Shapes of the orgs API. Serializers validate shape only; the viewsets call actions."""

from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateTimeField
from orgs.models import ApiToken, ApiTokenRole, AuditEvent, Invitation, Membership, MembershipRole, Team, User


class UserSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name"]


class TeamOutputSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "slug",
            "name",
            "description",
            "chat_channel",
            "email",
            "member_count",
            "members",
            "created_at",
            "updated_at",
        ]

    def get_members(self, team: Team) -> list[dict]:
        users = [tm.user for tm in team.team_memberships.all()]
        return UserSummarySerializer(sorted(users, key=lambda u: (u.full_name, u.email)), many=True).data


class TeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=50, required=False, allow_blank=True)
    description = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    chat_channel = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class TeamMemberInputSerializer(serializers.Serializer):
    user = serializers.CharField(max_length=254, help_text="The member's user id (uuid) or email address.")


class MembershipOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = UserSummarySerializer(read_only=True)
    teams = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "teams", "created_at"]

    def get_teams(self, membership: Membership) -> list[str]:
        return [tm.team.slug for tm in getattr(membership.user, "org_team_memberships", [])]


class MembershipRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class InvitationOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "invited_by", "created_at", "email_sent_at"]


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.RESPONDER)


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "role",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]


class ApiTokenCreatedSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown once, never again.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "token"]


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ApiTokenRole.choices, default=ApiTokenRole.RESPONDER)
    expires_at = BoundedSerializerDateTimeField(required=False, allow_null=True)


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    actor = serializers.CharField(source="actor_label", read_only=True)
    actor_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_type",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "changes",
            "ip_address",
        ]

    def get_actor_type(self, event: AuditEvent) -> str:
        if event.actor_token_id:
            return "api_token"
        return "user" if event.actor_user_id else "system"
