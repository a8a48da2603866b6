//! Deterministic tenant generator: the same seed gives the same tenants, credentials and payloads, byte for
//! byte. Each tenant has its own random stream (derived from the seed and its index), so tenant 0 is the
//! same whether 1 or 200 tenants are generated. Timestamps are derived from a fixed epoch, never the clock.

use std::collections::HashMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde_json::{json, Value};

/// A tenant as generated: identity, the app credential it accepts, and its objects by collection path.
#[derive(Debug, Clone)]
pub struct GeneratedTenant {
    pub tenant_id: String,
    pub display_name: String,
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
    /// The random stream for later writes (ids of created objects), continuing the generator's.
    pub rng: StdRng,
    pub ctx: TenantCtx,
    /// Collection path (`deviceManagement/deviceConfigurations`, `…/{id}/settings`) → items in order.
    pub collections: HashMap<String, Vec<Value>>,
}

/// What policies of one tenant refer to: groups, filters, scope tags.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    pub domain: String,
    pub groups: Vec<String>,
    pub filters: Vec<String>,
    pub scope_tags: Vec<String>,
    pub breakglass_group: String,
}

/// The policy families the generator can make (also the `add` drift operation's choices).
pub const FAMILIES: &[(&str, u32)] = &[
    ("deviceManagement/deviceConfigurations", 30),
    ("deviceManagement/configurationPolicies", 30),
    ("deviceManagement/deviceCompliancePolicies", 12),
    ("deviceManagement/groupPolicyConfigurations", 10),
    ("identity/conditionalAccess/policies", 10),
    ("deviceAppManagement/managedAppPolicies", 8),
];

const COMPANIES: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind Traders",
    "Adatum",
    "Litware",
    "Tailspin Toys",
    "Woodgrove Bank",
    "Proseware",
    "Wingtip Toys",
    "Fourth Coffee",
    "Alpine Ski House",
    "Coho Winery",
];

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen()).into_uuid().to_string()
}

/// The app registration every simulated tenant has consented to (one multi-tenant app, as in production).
pub fn platform_app(seed: u64) -> (String, String) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x05EE_DA11);
    let id = uuid(&mut rng);
    let secret: String = (0..40).map(|_| rng.sample(rand::distributions::Alphanumeric) as char).collect();
    (id, format!("sim~{secret}"))
}

pub fn generate(seed: u64, tenants: usize, policies: usize) -> Vec<GeneratedTenant> {
    (0..tenants).map(|i| tenant(seed, i, policies)).collect()
}

fn tenant(seed: u64, index: usize, policies: usize) -> GeneratedTenant {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(index as u64 + 1));
    let tenant_id = uuid(&mut rng);
    let company = COMPANIES[index % COMPANIES.len()];
    let display_name = if index < COMPANIES.len() {
        company.to_string()
    } else {
        format!("{company} {}", index / COMPANIES.len() + 1)
    };
    let slug: String = display_name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let domain = format!("{slug}.onmicrosoft.com");
    let (client_id, client_secret) = platform_app(seed);
    let mut c: HashMap<String, Vec<Value>> = HashMap::new();

    let groups: Vec<(String, String)> = [
        "All Windows devices",
        "Pilot users",
        "Finance",
        "Sales",
        "Kiosk devices",
        "BYOD users",
        "IT admins",
        "Break-glass accounts",
    ]
    .iter()
    .map(|n| (uuid(&mut rng), n.to_string()))
    .collect();
    c.insert(
        "groups".into(),
        groups
            .iter()
            .map(|(id, n)| json!({"id": id, "displayName": n, "mailEnabled": false, "securityEnabled": true, "groupTypes": []}))
            .collect(),
    );
    c.insert(
        "organization".into(),
        vec![json!({"id": tenant_id, "displayName": display_name,
            "verifiedDomains": [{"name": domain, "isDefault": true, "isInitial": true, "type": "Managed"}],
            "countryLetterCode": "DE", "tenantType": "AAD"})],
    );
    let scope_tags: Vec<String> = (0..4).map(|i| i.to_string()).collect();
    c.insert(
        "deviceManagement/roleScopeTags".into(),
        ["Default", "Region EU", "Region US", "Helpdesk"]
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"id": i.to_string(), "displayName": n, "description": "", "isBuiltIn": i == 0}))
            .collect(),
    );
    let mut filters = Vec::new();
    let mut filter_items = Vec::new();
    for (name, platform, rule) in [
        ("Corporate Windows", "windows10AndLater", "(device.deviceOwnership -eq \"Corporate\")"),
        ("Surface devices", "windows10AndLater", "(device.model -startsWith \"Surface\")"),
        ("Supervised iOS", "iOS", "(device.enrollmentProfileName -eq \"DEP Supervised\")"),
    ] {
        let id = uuid(&mut rng);
        let t = iso(epoch() - Duration::days(rng.gen_range(30..400)));
        filter_items.push(json!({"id": id, "displayName": name, "description": "", "platform": platform, "rule": rule,
            "assignmentFilterManagementType": "devices", "roleScopeTagIds": ["0"], "createdDateTime": t, "lastModifiedDateTime": t}));
        filters.push(id);
    }
    c.insert("deviceManagement/assignmentFilters".into(), filter_items);
    c.insert(
        "identity/conditionalAccess/namedLocations".into(),
        vec![
            json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "id": uuid(&mut rng), "displayName": "Head office",
                "createdDateTime": iso(epoch() - Duration::days(300)), "modifiedDateTime": iso(epoch() - Duration::days(20)),
                "isTrusted": true, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]}),
            json!({"@odata.type": "#microsoft.graph.countryNamedLocation", "id": uuid(&mut rng), "displayName": "DACH",
                "createdDateTime": iso(epoch() - Duration::days(280)), "modifiedDateTime": iso(epoch() - Duration::days(40)),
                "countriesAndRegions": ["DE", "AT", "CH"], "includeUnknownCountriesAndRegions": false,
                "countryLookupMethod": "clientIpAddress"}),
        ],
    );
    for key in ["deviceManagement/auditEvents", "auditLogs/directoryAudits"] {
        c.insert(key.into(), Vec::new());
    }
    for (family, _) in FAMILIES {
        c.insert(family.to_string(), Vec::new());
    }

    let ctx = TenantCtx {
        domain: domain.clone(),
        breakglass_group: groups[7].0.clone(),
        groups: groups.iter().take(7).map(|g| g.0.clone()).collect(),
        filters,
        scope_tags,
    };
    let total: u32 = FAMILIES.iter().map(|f| f.1).sum();
    let mut made = 0;
    for (i, (family, weight)) in FAMILIES.iter().enumerate() {
        let n = if i + 1 == FAMILIES.len() { policies - made } else { policies * *weight as usize / total as usize };
        let n = n.min(policies - made);
        for k in 0..n {
            let (item, children) = policy(&mut rng, &ctx, family, k);
            insert(&mut c, family, item, children);
        }
        made += n;
    }
    GeneratedTenant { tenant_id, display_name, domain, client_id, client_secret, rng, ctx, collections: c }
}

/// Child collections of a new object, by sub-path (`assignments`, `settings`, `definitionValues/{id}/presentationValues`).
pub type Children = Vec<(String, Vec<Value>)>;

/// Adds an object and its children to a tenant's collections.
pub fn insert(c: &mut HashMap<String, Vec<Value>>, family: &str, item: Value, children: Children) {
    let id = item["id"].as_str().unwrap_or_default().to_string();
    for (sub, items) in children {
        c.insert(format!("{family}/{id}/{sub}"), items);
    }
    c.entry(family.to_string()).or_default().push(item);
}

/// One policy of `family` (the `n`-th, for its display name) with its child collections.
pub fn policy(rng: &mut StdRng, ctx: &TenantCtx, family: &str, n: usize) -> (Value, Children) {
    let created = epoch() - Duration::days(rng.gen_range(60..900)) - Duration::seconds(rng.gen_range(0..86_400));
    let modified = created + Duration::days(rng.gen_range(0..59)) + Duration::seconds(rng.gen_range(0..86_400));
    let id = uuid(rng);
    let tags = scope_tag_ids(rng, ctx);
    match family {
        "deviceManagement/deviceConfigurations" => {
            let mut item = device_configuration(rng, n);
            let o = item.as_object_mut().expect("object");
            for (k, v) in [
                ("id", json!(id)),
                ("createdDateTime", json!(iso(created))),
                ("lastModifiedDateTime", json!(iso(modified))),
                ("version", json!(rng.gen_range(1..12))),
                ("roleScopeTagIds", json!(tags)),
                ("supportsScopeTags", json!(true)),
                ("deviceManagementApplicabilityRuleOsEdition", Value::Null),
                ("deviceManagementApplicabilityRuleOsVersion", Value::Null),
                ("deviceManagementApplicabilityRuleDeviceMode", Value::Null),
            ] {
                o.insert(k.into(), v);
            }
            (item, vec![("assignments".into(), assignments(rng, ctx))])
        }
        "deviceManagement/configurationPolicies" => {
            let settings = settings_tree(rng);
            let (family_name, template) = if rng.gen_bool(0.3) {
                (
                    "endpointSecurityAntivirus",
                    json!({"templateId": "804339ad-1553-4478-a742-138fb5807418_1",
                    "templateFamily": "endpointSecurityAntivirus", "templateDisplayName": "Microsoft Defender Antivirus",
                    "templateDisplayVersion": "Version 1"}),
                )
            } else {
                (
                    "none",
                    json!({"templateId": "", "templateFamily": "none", "templateDisplayName": null, "templateDisplayVersion": null}),
                )
            };
            let assigned = assignments(rng, ctx);
            let item = json!({"id": id, "name": format!("{} - Settings {n:04}", if family_name == "none" { "Win" } else { "ES AV" }),
                "description": "Managed by the platform team", "platforms": "windows10", "technologies": "mdm",
                "createdDateTime": iso(created), "lastModifiedDateTime": iso(modified), "settingCount": settings.len(),
                "creationSource": null, "roleScopeTagIds": tags, "isAssigned": !assigned.is_empty(),
                "templateReference": template, "priorityMetaData": null});
            (item, vec![("settings".into(), settings), ("assignments".into(), assigned)])
        }
        "deviceManagement/deviceCompliancePolicies" => {
            let ios = n % 3 == 2;
            let mut item = if ios {
                json!({"@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": format!("iOS - Compliance {n:04}"),
                    "passcodeRequired": true, "passcodeMinimumLength": rng.gen_range(4..9), "osMinimumVersion": "17.0",
                    "securityBlockJailbrokenDevices": true, "managedEmailProfileRequired": false})
            } else {
                json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": format!("Win - Compliance {n:04}"),
                    "passwordRequired": rng.gen_bool(0.8), "passwordMinimumLength": rng.gen_range(6..15),
                    "osMinimumVersion": "10.0.19045", "bitLockerEnabled": true, "secureBootEnabled": true,
                    "codeIntegrityEnabled": true, "defenderEnabled": true, "rtpEnabled": true, "tpmRequired": rng.gen_bool(0.5)})
            };
            let o = item.as_object_mut().expect("object");
            for (k, v) in [
                ("id", json!(id)),
                ("description", json!("")),
                ("createdDateTime", json!(iso(created))),
                ("lastModifiedDateTime", json!(iso(modified))),
                ("version", json!(rng.gen_range(1..6))),
                ("roleScopeTagIds", json!(tags)),
            ] {
                o.insert(k.into(), v);
            }
            let mut actions = vec![json!({"id": uuid(rng), "actionType": "block", "gracePeriodHours": 0,
                "notificationTemplateId": "", "notificationMessageCCList": []})];
            if rng.gen_bool(0.5) {
                actions.push(json!({"id": uuid(rng), "actionType": "notification", "gracePeriodHours": 24,
                    "notificationTemplateId": uuid(rng), "notificationMessageCCList": [ctx.groups[6]]}));
            }
            let rules = vec![
                json!({"id": uuid(rng), "ruleName": "PasswordRequired", "scheduledActionConfigurations": actions}),
            ];
            (item, vec![("scheduledActionsForRule".into(), rules), ("assignments".into(), assignments(rng, ctx))])
        }
        "deviceManagement/groupPolicyConfigurations" => {
            let item = json!({"id": id, "displayName": format!("ADMX - Browser {n:04}"), "description": "",
                "createdDateTime": iso(created), "lastModifiedDateTime": iso(modified), "roleScopeTagIds": tags,
                "policyConfigurationIngestionType": "builtIn"});
            let mut children = vec![("assignments".into(), assignments(rng, ctx))];
            let mut values = Vec::new();
            for (k, (name, category, presentation)) in ADMX.iter().enumerate() {
                if k > 0 && rng.gen_bool(0.4) {
                    continue;
                }
                let dv = uuid(rng);
                values.push(json!({"id": dv, "enabled": rng.gen_bool(0.85), "configurationType": "policy",
                    "createdDateTime": iso(created), "lastModifiedDateTime": iso(modified),
                    "definition": {"id": uuid(rng), "displayName": name, "classType": "machine",
                        "categoryPath": category, "policyType": "admxBacked"}}));
                let pv = presentation_value(rng, presentation);
                children.push((format!("definitionValues/{dv}/presentationValues"), pv));
            }
            children.push(("definitionValues".into(), values));
            (item, children)
        }
        "identity/conditionalAccess/policies" => (conditional_access(rng, ctx, &id, n, created, modified), Vec::new()),
        "deviceAppManagement/managedAppPolicies" => {
            let ios = n.is_multiple_of(2);
            let item = json!({"@odata.type": if ios { "#microsoft.graph.iosManagedAppProtection" } else { "#microsoft.graph.androidManagedAppProtection" },
                "id": id, "displayName": format!("{} - App protection {n:04}", if ios { "iOS" } else { "Android" }),
                "description": "", "createdDateTime": iso(created), "lastModifiedDateTime": iso(modified),
                "roleScopeTagIds": tags, "version": format!("\"{}\"", rng.gen_range(1..9)),
                "periodOfflineBeforeAccessCheck": "PT12H", "periodOnlineBeforeAccessCheck": "PT30M",
                "allowedInboundDataTransferSources": "allApps", "allowedOutboundDataTransferDestinations": "managedApps",
                "organizationalCredentialsRequired": false, "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
                "dataBackupBlocked": true, "deviceComplianceRequired": true, "pinRequired": true,
                "minimumPinLength": rng.gen_range(4..7), "pinCharacterSet": "numeric", "fingerprintBlocked": false,
                "appDataEncryptionType": "whenDeviceLocked", "isAssigned": true});
            (item, vec![("assignments".into(), assignments(rng, ctx))])
        }
        _ => (json!({"id": id, "displayName": format!("Object {n:04}")}), Vec::new()),
    }
}

fn scope_tag_ids(rng: &mut StdRng, ctx: &TenantCtx) -> Vec<String> {
    let mut tags = vec!["0".to_string()];
    if rng.gen_bool(0.3) {
        tags.push(ctx.scope_tags[rng.gen_range(1..ctx.scope_tags.len())].clone());
    }
    tags
}

fn assignments(rng: &mut StdRng, ctx: &TenantCtx) -> Vec<Value> {
    let n = rng.gen_range(0..4);
    (0..n)
        .map(|k| {
            let (filter_id, filter_type) = if rng.gen_bool(0.3) {
                (json!(ctx.filters.choose(rng)), json!(if rng.gen_bool(0.5) { "include" } else { "exclude" }))
            } else {
                (Value::Null, json!("none"))
            };
            let target = match (k, rng.gen_range(0..6)) {
                (0, 0) => json!({"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}),
                (0, 1) => json!({"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}),
                (_, 2) => json!({"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": ctx.groups.choose(rng)}),
                _ => json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": ctx.groups.choose(rng)}),
            };
            let mut target = target;
            target["deviceAndAppManagementAssignmentFilterId"] = filter_id;
            target["deviceAndAppManagementAssignmentFilterType"] = filter_type;
            json!({"id": uuid(rng), "target": target, "source": "direct", "sourceId": null})
        })
        .collect()
}

fn device_configuration(rng: &mut StdRng, n: usize) -> Value {
    match n % 5 {
        0 => {
            json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": format!("Win - General {n:04}"),
            "description": "Baseline device restrictions", "passwordRequired": true, "passwordMinimumLength": rng.gen_range(8..15),
            "passwordRequiredType": "alphanumeric", "passwordMinutesOfInactivityBeforeScreenTimeout": 15,
            "defenderRequireRealTimeMonitoring": true, "defenderScanType": "full", "cameraBlocked": rng.gen_bool(0.2),
            "storageRequireMobileDeviceEncryption": true, "bluetoothBlocked": false, "edgeBlockPasswordManager": rng.gen_bool(0.5)})
        }
        1 => {
            let xml = format!(
                "<enabled/><data id=\"HomepageLocation\" value=\"https://intranet{}.example/\"/>",
                rng.gen_range(1..99)
            );
            json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "displayName": format!("Win - OMA - Edge {n:04}"),
            "description": "Custom OMA-URI settings", "omaSettings": [
                {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Homepage",
                 "description": "", "omaUri": "./Device/Vendor/MSFT/Policy/Config/Browser/HomePages",
                 "value": "<https://intranet.example/>", "isEncrypted": false, "isReadOnly": false,
                 "secretReferenceValueId": null},
                {"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "Telemetry",
                 "description": "", "omaUri": "./Device/Vendor/MSFT/Policy/Config/System/AllowTelemetry",
                 "value": rng.gen_range(0..4), "isReadOnly": false, "isEncrypted": false, "secretReferenceValueId": null},
                {"@odata.type": "#microsoft.graph.omaSettingStringXml", "displayName": "Edge homepage (ADMX)",
                 "description": "", "omaUri": "./Device/Vendor/MSFT/Policy/Config/Edge~Policy~microsoft_edge~Startup/HomepageLocation",
                 "fileName": "homepage.xml", "value": B64.encode(xml), "isReadOnly": false, "isEncrypted": false,
                 "secretReferenceValueId": null},
                {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Wi-Fi pre-shared key",
                 "description": "", "omaUri": "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml",
                 "value": "****", "isEncrypted": true, "isReadOnly": false,
                 "secretReferenceValueId": format!("{}_{}", uuid(rng), "wlanxml")}
            ]})
        }
        2 => {
            json!({"@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration", "displayName": format!("iOS - Restrictions {n:04}"),
            "description": "", "passcodeRequired": true, "passcodeMinimumLength": rng.gen_range(4..9),
            "passcodeRequiredType": "numeric", "passcodeBlockSimple": true, "cameraBlocked": false,
            "iCloudBlockBackup": rng.gen_bool(0.5), "appStoreBlocked": false, "safariBlockAutofill": true})
        }
        3 => {
            json!({"@odata.type": "#microsoft.graph.macOSGeneralDeviceConfiguration", "displayName": format!("macOS - General {n:04}"),
            "description": "", "passwordRequired": true, "passwordMinimumLength": rng.gen_range(8..13),
            "passwordMinutesOfInactivityBeforeScreenTimeout": 10, "safariBlockAutofill": false, "cameraBlocked": false})
        }
        _ => {
            json!({"@odata.type": "#microsoft.graph.windows10EndpointProtectionConfiguration", "displayName": format!("Win - Endpoint protection {n:04}"),
            "description": "", "firewallBlockStatefulFTP": true, "firewallProfileDomain": {"firewallEnabled": "allowed"},
            "bitLockerEncryptDevice": true, "bitLockerDisableWarningForOtherDiskEncryption": true,
            "defenderAttackSurfaceReductionExcludedPaths": [], "applicationGuardEnabled": rng.gen_bool(0.3)})
        }
    }
}

const DEF: &str = "device_vendor_msft_policy_config_";

/// A settings-catalog setting tree: 3–8 settings drawn from the instance kinds GRAPH.md lists.
fn settings_tree(rng: &mut StdRng) -> Vec<Value> {
    let mut kinds: Vec<usize> = (0..7).collect();
    kinds.shuffle(rng);
    let n = rng.gen_range(3..=7);
    kinds
        .into_iter()
        .take(n)
        .enumerate()
        .map(|(i, kind)| json!({"id": i.to_string(), "settingInstance": setting_instance(rng, kind)}))
        .collect()
}

fn choice(def: &str, value: &str, children: Vec<Value>) -> Value {
    json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": def, "settingInstanceTemplateReference": null,
        "choiceSettingValue": {"value": format!("{def}_{value}"), "settingValueTemplateReference": null, "children": children}})
}

fn setting_instance(rng: &mut StdRng, kind: usize) -> Value {
    match kind {
        0 => {
            let def = format!("{DEF}defender_allowrealtimemonitoring");
            let mut v = choice(&def, if rng.gen_bool(0.9) { "1" } else { "0" }, vec![]);
            v["settingInstanceTemplateReference"] =
                json!({"settingInstanceTemplateId": "f0790e28-9231-4d37-8f44-84bb47ca1b3e"});
            v["choiceSettingValue"]["settingValueTemplateReference"] =
                json!({"settingValueTemplateId": "0492c452-1069-4b91-9363-93b8e006ab12", "useTemplateDefault": false});
            v
        }
        1 => {
            let child = json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": format!("{DEF}devicelock_mindevicepasswordlength"), "settingInstanceTemplateReference": null,
                "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                    "value": rng.gen_range(6..16), "settingValueTemplateReference": null}});
            choice(&format!("{DEF}devicelock_devicepasswordenabled"), "0", vec![child])
        }
        2 => json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": format!("{DEF}localpoliciessecurityoptions_interactivelogon_messagetitleforusersattemptingtologon"),
            "settingInstanceTemplateReference": null,
            "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
                "value": "Authorized use only", "settingValueTemplateReference": null}}),
        3 => json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_administratoraccountpassword",
            "settingInstanceTemplateReference": null,
            "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                "value": uuid(rng), "valueState": "encryptedValueToken", "settingValueTemplateReference": null}}),
        4 => json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingCollectionInstance",
            "settingDefinitionId": format!("{DEF}defender_allowedscantypes"), "settingInstanceTemplateReference": null,
            "choiceSettingCollectionValue": [
                {"value": format!("{DEF}defender_allowedscantypes_quick"), "settingValueTemplateReference": null, "children": []},
                {"value": format!("{DEF}defender_allowedscantypes_full"), "settingValueTemplateReference": null, "children": []}]}),
        5 => json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
            "settingDefinitionId": format!("{DEF}defender_excludedextensions"), "settingInstanceTemplateReference": null,
            "simpleSettingCollectionValue": [
                {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".log", "settingValueTemplateReference": null},
                {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".tmp", "settingValueTemplateReference": null}]}),
        _ => {
            let inner = json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingInstance",
                "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_direction_group",
                "settingInstanceTemplateReference": null,
                "groupSettingValue": {"settingValueTemplateReference": null, "children": [
                    choice("device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_direction", "in", vec![])]}});
            json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}",
                "settingInstanceTemplateReference": null,
                "groupSettingCollectionValue": [{"settingValueTemplateReference": null, "children": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                     "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_name",
                     "settingInstanceTemplateReference": null,
                     "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
                        "value": format!("Allow RDP {}", rng.gen_range(1..50)), "settingValueTemplateReference": null}},
                    inner]}]})
        }
    }
}

const ADMX: &[(&str, &str, &str)] = &[
    ("Configure the home page URL", "\\Google\\Google Chrome\\Startup", "text"),
    ("Maximum cache size", "\\Microsoft Edge\\Performance", "decimal"),
    ("Allow sync of extensions", "\\Microsoft Edge\\Sync", "boolean"),
    ("Block access to a list of URLs", "\\Microsoft Edge\\Content settings", "list"),
];

fn presentation_value(rng: &mut StdRng, kind: &str) -> Vec<Value> {
    let presentation = json!({"id": uuid(rng), "label": "Value", "required": true});
    let v = match kind {
        "text" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "https://intranet.example/"})
        }
        "decimal" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueDecimal", "value": rng.gen_range(50..500)})
        }
        "boolean" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": rng.gen_bool(0.5)})
        }
        _ => json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueList",
            "values": [{"name": "1", "value": "*.gambling.example"}, {"name": "2", "value": "*.malware.example"}]}),
    };
    let mut v = v;
    v["id"] = json!(uuid(rng));
    v["presentation"] = presentation;
    vec![v]
}

fn conditional_access(
    rng: &mut StdRng,
    ctx: &TenantCtx,
    id: &str,
    n: usize,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
) -> Value {
    let (name, controls, apps) = match n % 4 {
        0 => ("Require MFA for all users", vec!["mfa"], json!(["All"])),
        1 => ("Require compliant device", vec!["compliantDevice", "domainJoinedDevice"], json!(["All"])),
        2 => ("Block legacy authentication", vec!["block"], json!(["All"])),
        _ => ("Require MFA for admin portals", vec!["mfa"], json!(["797f4846-ba00-4fd7-ba43-dac1f8f63013"])),
    };
    let state = ["enabled", "disabled", "enabledForReportingButNotEnforced"][rng.gen_range(0..3)];
    let client_apps = if n % 4 == 2 { json!(["exchangeActiveSync", "other"]) } else { json!(["all"]) };
    json!({"id": id, "displayName": format!("CA{n:03} - {name}"), "state": state,
        "createdDateTime": iso(created), "modifiedDateTime": iso(modified), "templateId": null,
        "conditions": {"clientAppTypes": client_apps, "signInRiskLevels": [], "userRiskLevels": [],
            "applications": {"includeApplications": apps, "excludeApplications": [], "includeUserActions": []},
            "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [],
                "excludeGroups": [ctx.breakglass_group], "includeRoles": [], "excludeRoles": []},
            "platforms": null, "locations": null},
        "grantControls": {"operator": "OR", "builtInControls": controls, "customAuthenticationFactors": [],
            "termsOfUse": [], "authenticationStrength": null},
        "sessionControls": null})
}
