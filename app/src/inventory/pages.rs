//! The policy inventory of one managed tenant:
//! `/admin/workspaces/{workspace}/environments/{tenant}/policies` — a GET filter form (search, type,
//! platform, visibility; works without JavaScript and can be bookmarked), the table with the "Ignored" /
//! "Missing from provider" badges, the pager — and
//! `/admin/workspaces/{workspace}/environments/{tenant}/policies/{policy}` — the facts (with the contract's
//! risk and restore mode), Ignore / Stop ignoring, the version history, a GET form comparing two versions
//! setting by setting (a protected change shows that a secret changed, never a value) and the selected
//! version as readable settings (grouped as its type groups them; a redacted secret shows a badge) with its
//! redacted raw JSON in a `<details>` (works without JavaScript) and the list of redacted pointers. Times
//! are shown in UTC.

use leptos::{either::Either, prelude::*};
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};
use serde::{Deserialize, Serialize};

use super::{
    api::{compare_policy_versions, get_policy, get_policy_version, list_policies, SetPolicyIgnored},
    components::{change_kind_label, utc, PlatformName, PolicyBadges, TypeName},
    diff_versions, parse_version_id,
    settings::{Setting, GROUPS},
    Change, PolicyDetail, PolicyDto, PolicyVersionDetail, PolicyVersionDto, VersionDiff, Visibility, MAX_SEARCH_CHARS,
    PLATFORMS,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, Pager, RoleName, SubmitButton},
    error::AppError,
    i18n::*,
    paging::Page,
    provider::contracts::{by_key, RestoreMode, Risk, CONTRACTS},
    tenants::api::get_tenant,
    workspaces::api::get_workspace_overview,
};

fn tenant_base(ws: &str, tenant: i64) -> String {
    format!("/admin/workspaces/{ws}/environments/{tenant}")
}

/// The list's filters as they arrived in the URL.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    q: Option<String>,
    policy_type: Option<String>,
    platform: Option<String>,
    visibility: Option<String>,
    page: Option<i64>,
}

#[component]
fn PolicyFilters(filters: Filters) -> impl IntoView {
    let i18n = use_i18n();
    let visibility = filters.visibility.as_deref().and_then(Visibility::parse).unwrap_or(Visibility::Active);
    let ty = filters.policy_type.clone().unwrap_or_default();
    let platform = filters.platform.clone().unwrap_or_default();
    view! {
        <Form method="GET" action="">
            <div class="row filters" data-testid="policy-filters">
                <div class="field">
                    <label for="policy-search">{t!(i18n, inventory.search)}</label>
                    <input id="policy-search" name="q" type="search" value=filters.q.clone().unwrap_or_default()
                        maxlength=MAX_SEARCH_CHARS placeholder=move || t_string!(i18n, inventory.search_placeholder)/>
                </div>
                <div class="field">
                    <label for="policy-type">{t!(i18n, inventory.type_label)}</label>
                    <select id="policy-type" name="type">
                        <option value="">{t!(i18n, inventory.any_type)}</option>
                        {CONTRACTS.iter().map(|c| view! {
                            <option value=c.key selected=ty == c.key><TypeName key=c.key/></option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="policy-platform">{t!(i18n, inventory.platform)}</label>
                    <select id="policy-platform" name="platform">
                        <option value="">{t!(i18n, inventory.any_platform)}</option>
                        {PLATFORMS.iter().map(|p| view! {
                            <option value=*p selected=platform == *p><PlatformName platform=*p/></option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="policy-visibility">{t!(i18n, inventory.visibility)}</label>
                    <select id="policy-visibility" name="visibility">
                        {Visibility::ALL.iter().map(|v| {
                            let v = *v;
                            view! {
                                <option value=v.id() selected=v == visibility>
                                    {move || super::components::visibility_label(i18n, v)}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn" data-testid="policy-apply">{t!(i18n, inventory.apply)}</button>
            </div>
        </Form>
    }
}

fn policy_table(ws: &str, tenant: i64, list: Page<PolicyDto>) -> impl IntoView {
    let i18n = use_i18n();
    let base = tenant_base(ws, tenant);
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let empty = list.items.is_empty();
    let rows = list
        .items
        .into_iter()
        .map(|p| {
            let href = format!("{base}/policies/{}", p.id);
            view! {
                <tr data-testid="policy-row" data-type=p.policy_type.clone() data-id=p.id>
                    <td><a href=href data-testid="policy-link">{p.display_name.clone()}</a>" "
                        <PolicyBadges ignored=p.ignored_at.is_some() missing=p.missing_from_provider_at.is_some()/></td>
                    <td data-testid="policy-type"><TypeName key=p.policy_type.clone()/></td>
                    <td>{p.platform.clone().map(|platform| view! { <PlatformName platform/> })}</td>
                    <td>{p.version_count}</td>
                    <td><time>{utc(&p.last_seen_at)}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="policies-table">
                <thead><tr>
                    <th>{t!(i18n, inventory.name)}</th>
                    <th>{t!(i18n, inventory.type_label)}</th>
                    <th>{t!(i18n, inventory.platform)}</th>
                    <th>{t!(i18n, inventory.versions)}</th>
                    <th>{t!(i18n, inventory.last_seen)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="muted" data-testid="policies-empty">{t!(i18n, inventory.empty)}</p> })}
        <Pager page pages total/>
    }
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("tenant").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let filters = Memo::new(move |_| {
        let q = query.read();
        Filters {
            q: q.get("q"),
            policy_type: q.get("type"),
            platform: q.get("platform"),
            visibility: q.get("visibility"),
            page: q.get("page").and_then(|p| p.trim().parse::<i64>().ok()),
        }
    });
    let tenant = Resource::new(move || (slug(), id()), |(s, t)| get_tenant(s, t));
    let policies = Resource::new(
        move || (slug(), id(), filters.get()),
        |(s, t, f)| list_policies(s, t, f.q, f.policy_type, f.platform, f.visibility, f.page),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let tenant = match tenant.await {
                    Ok(t) => t,
                    Err(e) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let ws = slug();
                let base = tenant_base(&ws, tenant.id);
                let body = match policies.await {
                    Ok(list) => Either::Left(policy_table(&ws, tenant.id, list)),
                    Err(e @ AppError::Validation(_)) => Either::Right(view! {
                        <div class="alert alert-error" role="alert" data-testid="policy-filter-error"><ErrorText error=e/></div>
                        <a class="btn" href=format!("{base}/policies")>{t!(i18n, inventory.reset)}</a>
                    }),
                    Err(e) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                Either::Left(view! {
                    <section class="card">
                        <p><a href=base.clone()>{t!(i18n, inventory.back_to_tenant)}</a></p>
                        <h1>{t!(i18n, inventory.policies_title)}</h1>
                        <p class="muted" data-testid="policies-tenant">{tenant.display_name.clone()}</p>
                        <PolicyFilters filters=filters.get_untracked()/>
                        {body}
                    </section>
                })
            })}
        </Transition>
    }
}

/// Everything the detail page shows, loaded together: the policy and its history, the selected version
/// (default newest) and the comparison (default the two newest; none with a single version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DetailData {
    detail: PolicyDetail,
    snapshot: Option<Result<PolicyVersionDetail, AppError>>,
    diff: Option<Result<VersionDiff, AppError>>,
    from: Option<i64>,
    to: Option<i64>,
}

async fn load_detail(
    ws: String,
    tenant: i64,
    policy: i64,
    version: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<DetailData, AppError> {
    let detail = get_policy(ws.clone(), tenant, policy).await?;
    let newest = detail.versions.first().map(|v| v.id);
    let snapshot = match parse_version_id(version.as_deref(), "version").map(|v| v.or(newest)) {
        Ok(Some(v)) => Some(get_policy_version(ws.clone(), tenant, policy, v).await),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    };
    let (mut from_id, mut to_id) = (None, None);
    // The page offers a comparison from two versions on; which two is the shared rule (`diff_versions`).
    let diff = if detail.versions.len() < 2 {
        None
    } else {
        match diff_versions(&detail.versions, from.as_deref(), to.as_deref()) {
            Ok(Some((f, t))) => {
                (from_id, to_id) = (Some(f), Some(t));
                Some(compare_policy_versions(ws, tenant, policy, f, t).await)
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    };
    Ok(DetailData { detail, snapshot, diff, from: from_id, to: to_id })
}

fn risk_label(i18n: leptos_i18n::I18nContext<Locale>, r: Risk) -> &'static str {
    match r {
        Risk::Low => t_string!(i18n, inventory.risks.low),
        Risk::Medium => t_string!(i18n, inventory.risks.medium),
        Risk::High => t_string!(i18n, inventory.risks.high),
    }
}

fn restore_label(i18n: leptos_i18n::I18nContext<Locale>, r: RestoreMode) -> &'static str {
    match r {
        RestoreMode::Enabled => t_string!(i18n, inventory.restore_modes.enabled),
        RestoreMode::PreviewOnly => t_string!(i18n, inventory.restore_modes.preview_only),
        RestoreMode::ReadOnly => t_string!(i18n, inventory.restore_modes.read_only),
    }
}

/// Compact JSON of a diff value.
fn compact(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default()).unwrap_or_default()
}

fn diff_rows(changes: Vec<Change>) -> impl IntoView {
    let i18n = use_i18n();
    changes
        .into_iter()
        .map(|c| {
            let kind = c.kind;
            let values = if c.protected {
                Either::Left(view! {
                    <td colspan="2"><span class="badge badge-warn" data-testid="secret-hidden">{t!(i18n, inventory.secret_hidden)}</span></td>
                })
            } else {
                Either::Right(view! {
                    <td><code class="wrap">{compact(&c.before)}</code></td>
                    <td><code class="wrap">{compact(&c.after)}</code></td>
                })
            };
            view! {
                <tr data-testid="diff-row" data-kind=format!("{kind:?}").to_lowercase() data-pointer=c.pointer.clone()>
                    <td>{c.path.clone()}</td>
                    <td>{move || change_kind_label(i18n, kind)}</td>
                    {values}
                </tr>
            }
        })
        .collect_view()
}

fn version_label(v: &PolicyVersionDto) -> String {
    format!("#{}", v.version_no)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn group_label(i18n: leptos_i18n::I18nContext<Locale>, group: &str) -> &'static str {
    match group {
        "catalog" => t_string!(i18n, inventory.setting_groups.catalog),
        "oma_uri" => t_string!(i18n, inventory.setting_groups.oma_uri),
        "admx" => t_string!(i18n, inventory.setting_groups.admx),
        "ca_conditions" => t_string!(i18n, inventory.setting_groups.ca_conditions),
        "ca_grant" => t_string!(i18n, inventory.setting_groups.ca_grant),
        "ca_session" => t_string!(i18n, inventory.setting_groups.ca_session),
        _ => t_string!(i18n, inventory.setting_groups.properties),
    }
}

/// A setting's value as text: strings as they are, arrays joined with ", ", anything else as compact
/// JSON. A settings-catalog choice value (`<definition id>_<option>`) shows only its option.
fn setting_text(s: &Setting) -> String {
    let definition = s.key.rsplit('/').next().unwrap_or_default();
    let one = |v: &serde_json::Value| match v {
        serde_json::Value::String(text) if s.group == "catalog" => text
            .strip_prefix(definition)
            .and_then(|rest| rest.strip_prefix('_'))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(text)
            .to_string(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    match &s.value {
        serde_json::Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
        other => one(other),
    }
}

/// The readable settings of a version: per group (in [`GROUPS`] order) a heading and a table, with a
/// row per section heading and per setting. A redacted secret shows the "Redacted" badge, never a value.
fn settings_view(settings: Vec<Setting>) -> impl IntoView {
    let i18n = use_i18n();
    if settings.is_empty() {
        return Either::Left(
            view! { <p class="muted" data-testid="settings-none">{t!(i18n, inventory.settings_none)}</p> },
        );
    }
    let groups = GROUPS
        .iter()
        .filter_map(|group| {
            let rows: Vec<&Setting> = settings.iter().filter(|s| s.group == *group).collect();
            if rows.is_empty() {
                return None;
            }
            let mut section: Option<&str> = None;
            let body = rows
                .into_iter()
                .map(|s| {
                    let heading = (section != Some(s.section.as_str()) && !s.section.is_empty()).then(|| {
                        view! { <tr data-testid="settings-section"><th colspan="2" scope="colgroup">{s.section.clone()}</th></tr> }
                    });
                    section = Some(s.section.as_str());
                    let value = if s.protected {
                        Either::Left(view! {
                            <span class="badge badge-warn" data-testid="setting-redacted">{t!(i18n, inventory.setting_redacted)}</span>
                        })
                    } else {
                        let text = setting_text(s);
                        // The full choice value when only its option is shown.
                        let title = s.value.as_str().filter(|raw| *raw != text).map(String::from);
                        Either::Right(view! { <code title=title>{text}</code> })
                    };
                    let key = (s.key != s.label).then(|| view! { <br/><small class="muted"><code>{s.key.clone()}</code></small> });
                    view! {
                        {heading}
                        <tr data-testid="setting-row" data-key=s.key.clone()>
                            <td>{s.label.clone()}{key}</td>
                            <td>{value}</td>
                        </tr>
                    }
                })
                .collect_view();
            let group = *group;
            Some(view! {
                <h3 data-testid="settings-group" data-group=group>{move || group_label(i18n, group)}</h3>
                <div class="table-wrap">
                    <table class="table" data-testid="settings-table" data-group=group>
                        <thead><tr>
                            <th>{t!(i18n, inventory.setting)}</th>
                            <th>{t!(i18n, inventory.value)}</th>
                        </tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            })
        })
        .collect_view();
    Either::Right(groups)
}

#[component]
pub fn PolicyDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let tenant_id = move || params.read().get("tenant").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let policy_id = move || params.read().get("policy").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let selection = Memo::new(move |_| {
        let q = query.read();
        (q.get("version"), q.get("from"), q.get("to"))
    });
    let ignore = ServerAction::<SetPolicyIgnored>::new();
    let overview = Resource::new(slug, get_workspace_overview);
    let data = Resource::new(
        move || (slug(), tenant_id(), policy_id(), selection.get(), ignore.version().get()),
        |(s, t, p, (v, f, to), _)| load_detail(s, t, p, v, f, to),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, d) = match (overview.await, data.await) {
                    (Ok(o), Ok(d)) => (o, d),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let ws = o.slug.clone();
                let tenant = tenant_id();
                let base = tenant_base(&ws, tenant);
                let p = d.detail.policy.clone();
                let self_href = format!("{base}/policies/{}", p.id);
                let can_ignore = o.can("policies.ignore");
                let ignored = p.ignored_at.is_some();
                let missing = p.missing_from_provider_at.is_some();
                let contract = by_key(&p.policy_type);
                let versions = d.detail.versions.clone();
                let selected = d.snapshot.as_ref().and_then(|r| r.as_ref().ok()).map(|v| v.version.id);
                let keep = {
                    let mut q = String::new();
                    if let (Some(f), Some(t)) = (d.from, d.to) {
                        q = format!("&from={f}&to={t}");
                    }
                    q
                };
                let history = versions
                    .iter()
                    .map(|v| {
                        let run = v.run_id.map(|r| {
                            let href = format!("/admin/workspaces/{ws}/operations/{r}");
                            view! { <a href=href data-testid="version-run">{t!(i18n, inventory.view_run)}" #"{r}</a> }
                        });
                        let show = if selected == Some(v.id) {
                            Either::Left(view! { <span class="muted">{t!(i18n, inventory.shown)}</span> })
                        } else {
                            let href = format!("{self_href}?version={}{keep}", v.id);
                            Either::Right(view! { <a href=href data-testid="show-snapshot">{t!(i18n, inventory.show_snapshot)}</a> })
                        };
                        view! {
                            <tr data-testid="version-row" data-version=v.version_no data-id=v.id>
                                <td>{version_label(v)}</td>
                                <td><time>{utc(&v.captured_at)}</time></td>
                                <td>{run}</td>
                                <td>{v.protected_change.then(|| view! {
                                    <span class="badge badge-warn" data-testid="protected-change">{t!(i18n, inventory.protected_change)}</span>
                                })}</td>
                                <td>{show}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let choices = versions.clone();
                let options = move |chosen: Option<i64>| {
                    choices
                        .iter()
                        .map(|v| view! { <option value=v.id selected=chosen == Some(v.id)>{version_label(v)}</option> })
                        .collect_view()
                };
                let compare = if versions.len() < 2 {
                    Either::Left(view! { <p class="muted" data-testid="compare-needs-two">{t!(i18n, inventory.compare_needs_two)}</p> })
                } else {
                    let result = match d.diff.clone() {
                        None => None,
                        Some(Err(e)) => Some(Either::Left(view! {
                            <div class="alert alert-error" role="alert" data-testid="compare-error"><ErrorText error=e/></div>
                        })),
                        Some(Ok(diff)) if diff.changes.is_empty() => Some(Either::Right(Either::Left(view! {
                            <p class="muted" data-testid="diff-empty">{t!(i18n, inventory.no_changes)}</p>
                        }))),
                        Some(Ok(diff)) => Some(Either::Right(Either::Right(view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="diff-table">
                                    <thead><tr>
                                        <th>{t!(i18n, inventory.path)}</th>
                                        <th>{t!(i18n, inventory.change)}</th>
                                        <th>{t!(i18n, inventory.before)}</th>
                                        <th>{t!(i18n, inventory.after)}</th>
                                    </tr></thead>
                                    <tbody>{diff_rows(diff.changes)}</tbody>
                                </table>
                            </div>
                        }))),
                    };
                    Either::Right(view! {
                        <Form method="GET" action="">
                            <div class="row filters" data-testid="compare-form">
                                {selected.map(|v| view! { <input type="hidden" name="version" value=v/> })}
                                <div class="field">
                                    <label for="compare-from">{t!(i18n, inventory.compare_from)}</label>
                                    <select id="compare-from" name="from">{options(d.from)}</select>
                                </div>
                                <div class="field">
                                    <label for="compare-to">{t!(i18n, inventory.compare_to)}</label>
                                    <select id="compare-to" name="to">{options(d.to)}</select>
                                </div>
                                <button type="submit" class="btn" data-testid="compare-submit">{t!(i18n, inventory.compare_submit)}</button>
                            </div>
                        </Form>
                        {result}
                    })
                };
                let snapshot = match d.snapshot.clone() {
                    None => Either::Left(view! { <p class="muted">{t!(i18n, inventory.no_versions)}</p> }),
                    Some(Err(e)) => Either::Right(Either::Left(view! {
                        <div class="alert alert-error" role="alert" data-testid="snapshot-error"><ErrorText error=e/></div>
                    })),
                    Some(Ok(v)) => {
                        let no = v.version.version_no;
                        let pointers = v.protected_pointers.clone();
                        Either::Right(Either::Right(view! {
                            <h2 data-testid="snapshot-title">{move || t_string!(i18n, inventory.snapshot, version = no).to_string()}</h2>
                            {settings_view(v.settings)}
                            <details data-testid="snapshot-raw">
                                <summary>{t!(i18n, inventory.raw_json)}</summary>
                                <pre class="code" data-testid="snapshot">{pretty(&v.snapshot)}</pre>
                            </details>
                            <h3>{t!(i18n, inventory.assignments)}</h3>
                            <pre class="code" data-testid="snapshot-assignments">{pretty(&v.assignments)}</pre>
                            <h3>{t!(i18n, inventory.scope_tags)}</h3>
                            <pre class="code" data-testid="snapshot-scope-tags">{pretty(&v.scope_tags)}</pre>
                            <h3>{t!(i18n, inventory.redacted)}</h3>
                            {if pointers.is_empty() {
                                Either::Left(view! { <p class="muted" data-testid="redacted-none">{t!(i18n, inventory.redacted_none)}</p> })
                            } else {
                                Either::Right(view! {
                                    <p class="hint">{t!(i18n, inventory.redacted_hint)}</p>
                                    <ul data-testid="redacted-pointers">
                                        {pointers.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}
                                    </ul>
                                })
                            }}
                        }))
                    }
                };
                let role = o.role.clone();
                let platform = p.platform.clone();
                let odata = p.odata_type.clone();
                Either::Left(view! {
                    <section class="card">
                        <p><a href=format!("{base}/policies")>{t!(i18n, inventory.back_to_list)}</a></p>
                        <h1 data-testid="policy-name">{p.display_name.clone()}" "<PolicyBadges ignored missing/></h1>
                        <dl class="facts" data-testid="policy-facts">
                            <dt>{t!(i18n, inventory.type_label)}</dt><dd data-testid="policy-type"><TypeName key=p.policy_type.clone()/></dd>
                            {contract.map(|c| {
                                let (risk, restore) = (c.risk, c.restore);
                                view! {
                                    <dt>{t!(i18n, inventory.risk)}</dt><dd data-testid="policy-risk">{move || risk_label(i18n, risk)}</dd>
                                    <dt>{t!(i18n, inventory.restore_mode)}</dt><dd data-testid="policy-restore">{move || restore_label(i18n, restore)}</dd>
                                }
                            })}
                            <dt>{t!(i18n, inventory.odata_type)}</dt><dd><code>{odata}</code></dd>
                            <dt>{t!(i18n, inventory.platform)}</dt><dd>{platform.map(|platform| view! { <PlatformName platform/> })}</dd>
                            <dt>{t!(i18n, inventory.first_seen)}</dt><dd><time>{utc(&p.first_seen_at)}</time></dd>
                            <dt>{t!(i18n, inventory.last_seen)}</dt><dd><time>{utc(&p.last_seen_at)}</time></dd>
                        </dl>
                        {missing.then(|| view! { <p class="hint" data-testid="missing-hint">{t!(i18n, inventory.missing_hint)}</p> })}
                        <ActionForm action=ignore>
                            <input type="hidden" name="workspace" value=ws.clone()/>
                            <input type="hidden" name="tenant" value=tenant/>
                            <input type="hidden" name="policy" value=p.id/>
                            <input type="hidden" name="ignored" value=(!ignored).to_string()/>
                            <fieldset disabled=!can_ignore>
                                <SubmitButton pending=ignore.pending() class="btn">
                                    {move || if ignored { t_string!(i18n, inventory.unignore) } else { t_string!(i18n, inventory.ignore) }}
                                </SubmitButton>
                            </fieldset>
                            {move || ignore.value().get().and_then(Result::err).map(|e| view! {
                                <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                            })}
                        </ActionForm>
                        <p class="hint">{t!(i18n, inventory.ignore_hint)}</p>
                        {(!can_ignore).then(|| view! {
                            <p class="hint" data-testid="ignore-disabled-reason">{t!(i18n, inventory.ignore_disabled)}" ("<RoleName role=role.clone()/>")"</p>
                        })}
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, inventory.history)}</h2>
                        <div class="table-wrap">
                            <table class="table" data-testid="versions-table">
                                <thead><tr>
                                    <th>{t!(i18n, inventory.version)}</th>
                                    <th>{t!(i18n, inventory.captured_at)}</th>
                                    <th>{t!(i18n, inventory.run)}</th>
                                    <th></th>
                                    <th></th>
                                </tr></thead>
                                <tbody>{history}</tbody>
                            </table>
                        </div>
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, inventory.compare)}</h2>
                        {compare}
                    </section>
                    <section class="card">{snapshot}</section>
                })
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/environments/{tenant}/policies`
    PoliciesRoute,
    PoliciesPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/environments/{tenant}/policies/{policy}`
    PolicyDetailRoute,
    PolicyDetailPage
);
