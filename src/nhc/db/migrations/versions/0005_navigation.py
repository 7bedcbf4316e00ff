"""Navigation: the community asset directory on Open Referral UK (organizations, services, locations,
services at locations, schedules, taxonomy terms, contacts, costs, service areas, eligibility, capacity
status on the service) and the navigator's decision log.

Revision ID: 0005_navigation
Revises: 0004_care_uniqueness
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_navigation"
down_revision = "0004_care_uniqueness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nav_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("asked_by", sa.String(length=150), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("disposition", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.String(length=500), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_decisions")),
    )
    op.create_index(op.f("ix_nav_decisions_at"), "nav_decisions", ["at"], unique=False)
    op.create_index(op.f("ix_nav_decisions_disposition"), "nav_decisions", ["disposition"], unique=False)
    op.create_index(op.f("ix_nav_decisions_reason"), "nav_decisions", ["reason"], unique=False)
    op.create_table(
        "nav_locations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("address_1", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state_province", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_locations")),
    )
    op.create_table(
        "nav_organizations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_organizations")),
    )
    op.create_table(
        "nav_taxonomy_terms",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=300), nullable=False),
        sa.Column("vocabulary", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_taxonomy_terms")),
        sa.UniqueConstraint("vocabulary", "code", name=op.f("uq_nav_taxonomy_terms_vocabulary")),
    )
    op.create_table(
        "nav_services",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("assured_date", sa.Date(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("commissioner_rank", sa.Integer(), nullable=False),
        sa.Column("practice_code", sa.String(length=10), nullable=True),
        sa.Column("capacity_status", sa.String(length=8), nullable=False),
        sa.Column("capacity_expires_at", sa.DateTime(), nullable=True),
        sa.Column("capacity_reason", sa.String(length=500), nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["nav_organizations.id"],
            name=op.f("fk_nav_services_organization_id_nav_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_services")),
    )
    op.create_index(op.f("ix_nav_services_kind"), "nav_services", ["kind"], unique=False)
    op.create_index(
        op.f("ix_nav_services_organization_id"), "nav_services", ["organization_id"], unique=False
    )
    op.create_table(
        "nav_contacts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_contacts_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_contacts")),
    )
    op.create_index(op.f("ix_nav_contacts_service_id"), "nav_contacts", ["service_id"], unique=False)
    op.create_table(
        "nav_costs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("option", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_costs_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_costs")),
    )
    op.create_index(op.f("ix_nav_costs_service_id"), "nav_costs", ["service_id"], unique=False)
    op.create_table(
        "nav_eligibility",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_eligibility_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_eligibility")),
    )
    op.create_index(op.f("ix_nav_eligibility_service_id"), "nav_eligibility", ["service_id"], unique=False)
    op.create_table(
        "nav_service_areas",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("extent_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_service_areas_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_service_areas")),
    )
    op.create_index(
        op.f("ix_nav_service_areas_service_id"), "nav_service_areas", ["service_id"], unique=False
    )
    op.create_table(
        "nav_service_at_locations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["nav_locations.id"],
            name=op.f("fk_nav_service_at_locations_location_id_nav_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_service_at_locations_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_service_at_locations")),
        sa.UniqueConstraint("service_id", "location_id", name=op.f("uq_nav_service_at_locations_service_id")),
    )
    op.create_index(
        op.f("ix_nav_service_at_locations_location_id"),
        "nav_service_at_locations",
        ["location_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_nav_service_at_locations_service_id"),
        "nav_service_at_locations",
        ["service_id"],
        unique=False,
    )
    op.create_table(
        "nav_service_taxonomy",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("taxonomy_term_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_service_taxonomy_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_term_id"],
            ["nav_taxonomy_terms.id"],
            name=op.f("fk_nav_service_taxonomy_taxonomy_term_id_nav_taxonomy_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "taxonomy_term_id", name=op.f("pk_nav_service_taxonomy")),
    )
    op.create_index(
        op.f("ix_nav_service_taxonomy_taxonomy_term_id"),
        "nav_service_taxonomy",
        ["taxonomy_term_id"],
        unique=False,
    )
    op.create_table(
        "nav_schedules",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=True),
        sa.Column("service_at_location_id", sa.String(length=64), nullable=True),
        sa.Column("freq", sa.String(length=10), nullable=False),
        sa.Column("byday", sa.String(length=30), nullable=False),
        sa.Column("opens_at", sa.String(length=8), nullable=False),
        sa.Column("closes_at", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("closed_on_bank_holidays", sa.Boolean(), nullable=False),
        sa.Column("attending_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_at_location_id"],
            ["nav_service_at_locations.id"],
            name=op.f("fk_nav_schedules_service_at_location_id_nav_service_at_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["nav_services.id"],
            name=op.f("fk_nav_schedules_service_id_nav_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nav_schedules")),
    )
    op.create_index(
        op.f("ix_nav_schedules_service_at_location_id"),
        "nav_schedules",
        ["service_at_location_id"],
        unique=False,
    )
    op.create_index(op.f("ix_nav_schedules_service_id"), "nav_schedules", ["service_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nav_schedules_service_id"), table_name="nav_schedules")
    op.drop_index(op.f("ix_nav_schedules_service_at_location_id"), table_name="nav_schedules")
    op.drop_table("nav_schedules")
    op.drop_index(op.f("ix_nav_service_taxonomy_taxonomy_term_id"), table_name="nav_service_taxonomy")
    op.drop_table("nav_service_taxonomy")
    op.drop_index(op.f("ix_nav_service_at_locations_service_id"), table_name="nav_service_at_locations")
    op.drop_index(op.f("ix_nav_service_at_locations_location_id"), table_name="nav_service_at_locations")
    op.drop_table("nav_service_at_locations")
    op.drop_index(op.f("ix_nav_service_areas_service_id"), table_name="nav_service_areas")
    op.drop_table("nav_service_areas")
    op.drop_index(op.f("ix_nav_eligibility_service_id"), table_name="nav_eligibility")
    op.drop_table("nav_eligibility")
    op.drop_index(op.f("ix_nav_costs_service_id"), table_name="nav_costs")
    op.drop_table("nav_costs")
    op.drop_index(op.f("ix_nav_contacts_service_id"), table_name="nav_contacts")
    op.drop_table("nav_contacts")
    op.drop_index(op.f("ix_nav_services_organization_id"), table_name="nav_services")
    op.drop_index(op.f("ix_nav_services_kind"), table_name="nav_services")
    op.drop_table("nav_services")
    op.drop_table("nav_taxonomy_terms")
    op.drop_table("nav_organizations")
    op.drop_table("nav_locations")
    op.drop_index(op.f("ix_nav_decisions_reason"), table_name="nav_decisions")
    op.drop_index(op.f("ix_nav_decisions_disposition"), table_name="nav_decisions")
    op.drop_index(op.f("ix_nav_decisions_at"), table_name="nav_decisions")
    op.drop_table("nav_decisions")
