//! Capabilities, roles and the one role → capability table. Pure and shared by both builds (the UI uses it
//! to show an action disabled with its reason; the server uses it to authorize). Checks are always by
//! capability, never by role name. Server-side scopes (who may touch which workspace and tenant) live in
//! `authz::server`.

#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

macro_rules! capabilities {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// Everything a member can be allowed to do in a workspace, for the whole roadmap.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Capability { $($variant),* }

        impl Capability {
            pub const ALL: &'static [Capability] = &[$(Capability::$variant),*];

            /// Stable dotted id (`"findings.manage"`), used in APIs, audit metadata and docs.
            pub fn id(self) -> &'static str {
                match self { $(Capability::$variant => $id),* }
            }

            pub fn parse(id: &str) -> Option<Self> {
                match id { $($id => Some(Capability::$variant),)* _ => None }
            }
        }
    };
}

capabilities! {
    WorkspaceView => "workspace.view",
    WorkspaceManage => "workspace.manage",
    MembersView => "members.view",
    MembersManage => "members.manage",
    TenantsView => "tenants.view",
    TenantsManage => "tenants.manage",
    TenantsOnboard => "tenants.onboard",
    ProvidersView => "providers.view",
    ProvidersManage => "providers.manage",
    ProvidersCredentialsRotate => "providers.credentials_rotate",
    OperationsView => "operations.view",
    OperationsStart => "operations.start",
    OperationsCancel => "operations.cancel",
    InventoryView => "inventory.view",
    InventorySync => "inventory.sync",
    PoliciesView => "policies.view",
    PoliciesIgnore => "policies.ignore",
    BackupsView => "backups.view",
    BackupsManage => "backups.manage",
    RestoreExecute => "restore.execute",
    BaselinesView => "baselines.view",
    BaselinesManage => "baselines.manage",
    CompareView => "compare.view",
    ComparePromote => "compare.promote",
    FindingsView => "findings.view",
    FindingsManage => "findings.manage",
    ExceptionsRequest => "exceptions.request",
    ExceptionsApprove => "exceptions.approve",
    AlertsView => "alerts.view",
    AlertsManage => "alerts.manage",
    EvidenceView => "evidence.view",
    ReviewsView => "reviews.view",
    ReviewsManage => "reviews.manage",
    ReviewsPublish => "reviews.publish",
    CustomerReviewsView => "customer_reviews.view",
    CustomerReviewsAcknowledge => "customer_reviews.acknowledge",
    ReviewPacksDownload => "review_packs.download",
    ReviewPacksManage => "review_packs.manage",
    ReviewPacksIncludePii => "review_packs.include_pii",
    AuditView => "audit.view",
    AuditExport => "audit.export",
    SettingsManage => "settings.manage",
    SupportCreate => "support.create",
    DangerZone => "workspace.danger_zone",
}

/// A workspace membership role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Manager,
    Operator,
    Readonly,
    /// A customer viewer: always narrowed to their own tenants, customer-safe capabilities only.
    Customer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Manager, Role::Operator, Role::Readonly, Role::Customer];

    pub fn id(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Operator => "operator",
            Role::Readonly => "readonly",
            Role::Customer => "customer",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Customer viewers must always be narrowed to explicit tenants.
    pub fn requires_narrowing(self) -> bool {
        self == Role::Customer
    }
}

/// The role → capability table: the only place roles turn into permissions.
pub fn allows(role: Role, cap: Capability) -> bool {
    use Capability::*;
    match role {
        Role::Owner => true,
        Role::Manager => !matches!(cap, MembersManage | DangerZone),
        Role::Operator => matches!(
            cap,
            WorkspaceView
                | MembersView
                | TenantsView
                | ProvidersView
                | OperationsView
                | OperationsStart
                | OperationsCancel
                | InventoryView
                | InventorySync
                | PoliciesView
                | PoliciesIgnore
                | BackupsView
                | BackupsManage
                | BaselinesView
                | CompareView
                | FindingsView
                | FindingsManage
                | ExceptionsRequest
                | AlertsView
                | EvidenceView
                | ReviewsView
                | CustomerReviewsView
                | ReviewPacksDownload
                | AuditView
                | SupportCreate
        ),
        Role::Readonly => matches!(
            cap,
            WorkspaceView
                | MembersView
                | TenantsView
                | ProvidersView
                | OperationsView
                | InventoryView
                | PoliciesView
                | BackupsView
                | BaselinesView
                | CompareView
                | FindingsView
                | AlertsView
                | EvidenceView
                | ReviewsView
                | CustomerReviewsView
                | ReviewPacksDownload
                | AuditView
        ),
        Role::Customer => matches!(
            cap,
            WorkspaceView | TenantsView | CustomerReviewsView | CustomerReviewsAcknowledge | ReviewPacksDownload
        ),
    }
}

/// Capabilities of the platform plane (`/system`), held by platform operators only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlatformCapability {
    DirectoryView,
    OperationsView,
    OperationsManage,
    ControlsManage,
    CommercialManage,
}

impl PlatformCapability {
    pub fn id(self) -> &'static str {
        match self {
            Self::DirectoryView => "platform.directory.view",
            Self::OperationsView => "platform.operations.view",
            Self::OperationsManage => "platform.operations.manage",
            Self::ControlsManage => "platform.controls.manage",
            Self::CommercialManage => "platform.commercial.manage",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Capability::*, *};

    /// The full matrix, written out: (capability, owner, manager, operator, readonly, customer).
    #[rustfmt::skip]
    const MATRIX: &[(Capability, [bool; 5])] = &[
        (WorkspaceView,              [true, true,  true,  true,  true ]),
        (WorkspaceManage,            [true, true,  false, false, false]),
        (MembersView,                [true, true,  true,  true,  false]),
        (MembersManage,              [true, false, false, false, false]),
        (TenantsView,                [true, true,  true,  true,  true ]),
        (TenantsManage,              [true, true,  false, false, false]),
        (TenantsOnboard,             [true, true,  false, false, false]),
        (ProvidersView,              [true, true,  true,  true,  false]),
        (ProvidersManage,            [true, true,  false, false, false]),
        (ProvidersCredentialsRotate, [true, true,  false, false, false]),
        (OperationsView,             [true, true,  true,  true,  false]),
        (OperationsStart,            [true, true,  true,  false, false]),
        (OperationsCancel,           [true, true,  true,  false, false]),
        (InventoryView,              [true, true,  true,  true,  false]),
        (InventorySync,              [true, true,  true,  false, false]),
        (PoliciesView,               [true, true,  true,  true,  false]),
        (PoliciesIgnore,             [true, true,  true,  false, false]),
        (BackupsView,                [true, true,  true,  true,  false]),
        (BackupsManage,              [true, true,  true,  false, false]),
        (RestoreExecute,             [true, true,  false, false, false]),
        (BaselinesView,              [true, true,  true,  true,  false]),
        (BaselinesManage,            [true, true,  false, false, false]),
        (CompareView,                [true, true,  true,  true,  false]),
        (ComparePromote,             [true, true,  false, false, false]),
        (FindingsView,               [true, true,  true,  true,  false]),
        (FindingsManage,             [true, true,  true,  false, false]),
        (ExceptionsRequest,          [true, true,  true,  false, false]),
        (ExceptionsApprove,          [true, true,  false, false, false]),
        (AlertsView,                 [true, true,  true,  true,  false]),
        (AlertsManage,               [true, true,  false, false, false]),
        (EvidenceView,               [true, true,  true,  true,  false]),
        (ReviewsView,                [true, true,  true,  true,  false]),
        (ReviewsManage,              [true, true,  false, false, false]),
        (ReviewsPublish,             [true, true,  false, false, false]),
        (CustomerReviewsView,        [true, true,  true,  true,  true ]),
        (CustomerReviewsAcknowledge, [true, true,  false, false, true ]),
        (ReviewPacksDownload,        [true, true,  true,  true,  true ]),
        (ReviewPacksManage,          [true, true,  false, false, false]),
        (ReviewPacksIncludePii,      [true, true,  false, false, false]),
        (AuditView,                  [true, true,  true,  true,  false]),
        (AuditExport,                [true, true,  false, false, false]),
        (SettingsManage,             [true, true,  false, false, false]),
        (SupportCreate,              [true, true,  true,  false, false]),
        (DangerZone,                 [true, false, false, false, false]),
    ];

    #[test]
    fn matrix_is_complete_and_matches_the_table() {
        assert_eq!(MATRIX.len(), Capability::ALL.len(), "every capability is in the matrix");
        for cap in Capability::ALL {
            let (_, row) = MATRIX.iter().find(|(c, _)| c == cap).unwrap_or_else(|| panic!("{cap:?} missing"));
            for (i, role) in Role::ALL.into_iter().enumerate() {
                assert_eq!(allows(role, *cap), row[i], "{} × {}", role.id(), cap.id());
            }
        }
    }

    #[test]
    fn only_owners_manage_members_and_customers_never_see_operator_data() {
        for role in Role::ALL {
            assert_eq!(allows(role, MembersManage), role == Role::Owner);
        }
        for cap in [PoliciesView, OperationsView, AuditView, InventoryView, FindingsView, EvidenceView] {
            assert!(!allows(Role::Customer, cap), "{}", cap.id());
        }
    }

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for cap in Capability::ALL {
            assert!(seen.insert(cap.id()));
            assert_eq!(Capability::parse(cap.id()), Some(*cap));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.id()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
