"""The secret scan's rules, as data: one per kind of credential, modelled on gitleaks' default set.

Each rule names the gitleaks rules it follows (config/gitleaks.toml in gitleaks/gitleaks), or none
when gitleaks' default set has no rule for that kind and the rule is kb's own. A rule runs only on
text holding one of its keywords: a lower-case keyword matches whatever the case, one with an
upper-case letter only as written. Specific formats (a prefix, a fixed length) come first and
need no further check; the generic rules for values under key-like names come last and accept
only values that look like a password or like random, and never a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.check.secretvalues import Accept, anything, not_placeholder, password_under_key, secret_under_key


@dataclass(frozen=True)
class Rule:
    """One kind of credential: a pattern whose `secret` group (or whole match) is the credential."""

    name: str
    description: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...] = ()
    """Text holding none of these skips the rule; a rule without keywords always runs."""
    gitleaks: tuple[str, ...] = ()
    """The ids of the gitleaks default rules this one follows; empty for a rule of kb's own."""
    accept: Accept = anything
    """Whether a match is a credential, given its `secret` and the `key` it is under ("" if none)."""


def _rule(
    name: str,
    description: str,
    pattern: str,
    keywords: tuple[str, ...],
    gitleaks: tuple[str, ...] | str = (),
    accept: Accept = anything,
    flags: int = 0,
) -> Rule:
    follows = (gitleaks,) if isinstance(gitleaks, str) else gitleaks
    return Rule(name, description, re.compile(pattern, flags), keywords, follows, accept)


_I = re.IGNORECASE
_END = r"(?![\w-])"
_ASSIGN = r"""["']?[ \t]*(?:=|:=|=>|:)[ \t]*(?P<q>["'])?(?P<secret>(?(q)[^"'\n]{1,200}|[^\s"',;]{1,200}))"""
"""`KEY = value`, `KEY: "value"`, `"key": 'value'`: a quoted value may hold spaces, a bare one not."""

RULES: tuple[Rule, ...] = (
    # --- keys and certificates -----------------------------------------------------------
    _rule(
        "private-key",
        "a private key block",
        r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
        ("-----begin",),
        "private-key",
        flags=_I,
    ),
    _rule(
        "private-key-base64",
        "a base64-encoded private key block (kubeconfig client-key-data, a Secret's tls.key)",
        r"\bLS0tLS1CRUdJTi[A-Za-z0-9+/]{0,60}?(?:QUklWQVRFIEtFW|UFJJVkFURSBLRV|FBSSVZBVEUgS0V)",
        ("LS0tLS1CRUdJTi",),
    ),
    _rule(
        "age-secret-key",
        "an age secret key",
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        ("age-secret-key-1",),
        "age-secret-key",
        flags=_I,
    ),
    # --- clouds ----------------------------------------------------------------------------
    _rule(
        "aws-access-token",
        "an AWS access key ID",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
        "aws-access-token",
    ),
    _rule("gcp-api-key", "a Google API key", r"\bAIza[\w-]{35}" + _END, ("AIza",), "gcp-api-key"),
    _rule(
        "azure-ad-client-secret",
        "an Azure AD client secret",
        r"(?:^|[\\'\"`\s>=:(,])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'\"`\s<),])",
        ("Q~",),
        "azure-ad-client-secret",
    ),
    _rule(
        "azure-storage-key",
        "an Azure storage or service bus key in a connection string",
        r"\b(?:AccountKey|SharedAccessKey)\s*=\s*(?P<secret>[A-Za-z0-9+/]{20,}={0,2})",
        ("accountkey", "sharedaccesskey"),
        flags=_I,
    ),
    _rule(
        "azure-sas-token",
        "an Azure shared access signature",
        r"(?:[?&;]|\b)sig=(?P<secret>[A-Za-z0-9%+/]{20,}(?:%3D|=){0,2})",
        ("sig=",),
        flags=_I,
    ),
    _rule(
        "alibaba-access-key-id",
        "an Alibaba Cloud AccessKey ID",
        r"\bLTAI[A-Za-z0-9]{20}\b",
        ("LTAI",),
        "alibaba-access-key-id",
    ),
    _rule(
        "digitalocean-token",
        "a DigitalOcean token",
        r"\bdo[opr]_v1_[a-f0-9]{64}\b",
        ("dop_v1_", "doo_v1_", "dor_v1_"),
        ("digitalocean-pat", "digitalocean-access-token", "digitalocean-refresh-token"),
    ),
    _rule(
        "heroku-api-key-v2", "a Heroku API key", r"\bHRKU-AA[0-9a-zA-Z_-]{58}" + _END, ("HRKU-AA",), "heroku-api-key-v2"
    ),
    _rule(
        "flyio-access-token",
        "a Fly.io token",
        r"\b(?:fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})",
        ("fo1_", "fm1", "fm2_"),
        "flyio-access-token",
    ),
    _rule(
        "cloudflare-origin-ca-key",
        "a Cloudflare Origin CA key",
        r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b",
        ("v1.0-",),
        "cloudflare-origin-ca-key",
    ),
    _rule(
        "hashicorp-tf-api-token",
        "a Terraform Cloud API token",
        r"\b[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,70}",
        ("atlasv1",),
        "hashicorp-tf-api-token",
        flags=_I,
    ),
    _rule(
        "vault-token",
        "a HashiCorp Vault token",
        r"\bhv[sbr]\.[\w-]{24,}",
        ("hvs.", "hvb.", "hvr."),
        ("vault-service-token", "vault-batch-token"),
    ),
    _rule(
        "doppler-token",
        "a Doppler token",
        r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?:[\w-]{1,40}\.)?[A-Za-z0-9]{20,}",
        ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."),
        "doppler-api-token",
    ),
    _rule(
        "1password-secret-key",
        "a 1Password secret key or service account token",
        r"\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b"
        r"|\bops_eyJ[a-zA-Z0-9+/]{250,}={0,3}",
        ("A3-", "ops_eyJ"),
        ("1password-secret-key", "1password-service-account-token"),
    ),
    # --- forges, registries and CI ---------------------------------------------------------
    _rule("github-pat", "a GitHub personal access token", r"\bghp_[0-9A-Za-z]{36}\b", ("ghp_",), "github-pat"),
    _rule("github-oauth", "a GitHub OAuth token", r"\bgho_[0-9A-Za-z]{36}\b", ("gho_",), "github-oauth"),
    _rule(
        "github-app-token", "a GitHub App token", r"\bgh[us]_[0-9A-Za-z]{36}\b", ("ghu_", "ghs_"), "github-app-token"
    ),
    _rule(
        "github-refresh-token", "a GitHub refresh token", r"\bghr_[0-9A-Za-z]{36}\b", ("ghr_",), "github-refresh-token"
    ),
    _rule(
        "github-fine-grained-pat",
        "a GitHub fine-grained token",
        r"\bgithub_pat_\w{22,}",
        ("github_pat_",),
        "github-fine-grained-pat",
    ),
    _rule(
        "gitlab-token",
        "a GitLab token",
        r"\bgl(?:pat|dt|rt|ft|imt|oas|soat|agent|ffct)-[\w-]{20,}|\bglptt-[0-9a-f]{40}\b"
        r"|\bglcbt-[0-9a-zA-Z]{1,5}_[\w-]{20,}|\bGR1348941[\w-]{20,}",
        (
            "glpat-",
            "gldt-",
            "glrt-",
            "glft-",
            "glimt-",
            "gloas-",
            "glsoat-",
            "glagent-",
            "glffct-",
            "glptt-",
            "glcbt-",
            "GR1348941",
        ),
        (
            "gitlab-pat",
            "gitlab-pat-routable",
            "gitlab-deploy-token",
            "gitlab-runner-authentication-token",
            "gitlab-feed-token",
            "gitlab-incoming-mail-token",
            "gitlab-oauth-app-secret",
            "gitlab-scim-token",
            "gitlab-kubernetes-agent-token",
            "gitlab-feature-flag-client-token",
            "gitlab-ptt",
            "gitlab-cicd-job-token",
            "gitlab-rrt",
        ),
    ),
    _rule("npm-access-token", "an npm access token", r"\bnpm_[A-Za-z0-9]{36}\b", ("npm_",), "npm-access-token"),
    _rule("pypi-upload-token", "a PyPI upload token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}", ("pypi-",), "pypi-upload-token"),
    _rule(
        "rubygems-api-token", "a RubyGems API token", r"\brubygems_[a-f0-9]{48}\b", ("rubygems_",), "rubygems-api-token"
    ),
    _rule(
        "artifactory-token",
        "a JFrog Artifactory key or reference token",
        r"\bAKCp[A-Za-z0-9]{69}\b|\bcmVmd[A-Za-z0-9]{59}\b",
        ("AKCp", "cmVmd"),
        ("artifactory-api-key", "artifactory-reference-token"),
    ),
    _rule(
        "databricks-api-token", "a Databricks token", r"\bdapi[a-f0-9]{32}(?:-\d)?\b", ("dapi",), "databricks-api-token"
    ),
    _rule("pulumi-api-token", "a Pulumi token", r"\bpul-[a-f0-9]{40}\b", ("pul-",), "pulumi-api-token"),
    _rule(
        "postman-api-token",
        "a Postman API key",
        r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b",
        ("pmak-",),
        "postman-api-token",
        flags=_I,
    ),
    _rule(
        "planetscale-token",
        "a PlanetScale token or password",
        r"\bpscale_(?:tkn|oauth|pw)_[\w=.-]{32,64}",
        ("pscale_",),
        ("planetscale-api-token", "planetscale-oauth-token", "planetscale-password"),
    ),
    # --- chat, mail and SaaS -----------------------------------------------------------------
    _rule(
        "slack-token",
        "a Slack token",
        r"\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+",
        ("xox", "xapp-"),
        (
            "slack-bot-token",
            "slack-user-token",
            "slack-app-token",
            "slack-legacy-token",
            "slack-legacy-bot-token",
            "slack-legacy-workspace-token",
            "slack-config-access-token",
        ),
    ),
    _rule(
        "slack-webhook-url",
        "a Slack webhook URL",
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        ("hooks.slack.com",),
        "slack-webhook-url",
    ),
    _rule(
        "discord-webhook-url",
        "a Discord webhook URL",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,70}",
        ("discord",),
    ),
    _rule(
        "microsoft-teams-webhook",
        "a Microsoft Teams webhook URL",
        r"https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/"
        r"[a-z0-9]{32}/[a-z0-9-]{36}",
        ("webhook.office.com",),
        "microsoft-teams-webhook",
        flags=_I,
    ),
    _rule(
        "telegram-bot-api-token",
        "a Telegram bot token",
        r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}" + _END,
        (":AA",),
        "telegram-bot-api-token",
    ),
    _rule(
        "sendgrid-api-token", "a SendGrid API key", r"\bSG\.[\w-]{16,32}\.[\w-]{16,64}", ("SG.",), "sendgrid-api-token"
    ),
    _rule("twilio-api-key", "a Twilio API key", r"\bSK[0-9a-fA-F]{32}\b", ("SK",), "twilio-api-key"),
    _rule(
        "mailgun-private-api-token",
        "a Mailgun API key",
        r"\bkey-[a-f0-9]{32}\b",
        ("key-",),
        "mailgun-private-api-token",
    ),
    _rule("mailchimp-api-key", "a Mailchimp API key", r"\b[a-f0-9]{32}-us\d{1,2}\b", ("-us",), "mailchimp-api-key"),
    _rule(
        "stripe-access-token",
        "a Stripe secret key",
        r"\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}\b",
        ("sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"),
        "stripe-access-token",
    ),
    _rule(
        "square-access-token",
        "a Square access token",
        r"\b(?:EAAA|sq0atp-|sq0csp-)[\w-]{22,60}" + _END,
        ("EAAA", "sq0atp-", "sq0csp-"),
        "square-access-token",
    ),
    _rule(
        "shopify-token",
        "a Shopify token or shared secret",
        r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        (
            "shopify-access-token",
            "shopify-custom-access-token",
            "shopify-private-app-access-token",
            "shopify-shared-secret",
        ),
    ),
    _rule(
        "atlassian-api-token",
        "an Atlassian API token",
        r"\bATATT3[A-Za-z0-9_=-]{186}",
        ("ATATT3",),
        "atlassian-api-token",
    ),
    _rule("linear-api-key", "a Linear API key", r"\blin_api_[A-Za-z0-9]{40}\b", ("lin_api_",), "linear-api-key"),
    _rule("notion-api-token", "a Notion API token", r"\bntn_\d{11}[A-Za-z0-9]{35}\b", ("ntn_",), "notion-api-token"),
    # --- observability -------------------------------------------------------------------------
    _rule(
        "grafana-token",
        "a Grafana token or API key",
        r"\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b|\bglc_[A-Za-z0-9+/]{32,}={0,3}|\beyJrIjoi[A-Za-z0-9]{70,400}={0,3}",
        ("glsa_", "glc_", "eyJrIjoi"),
        ("grafana-service-account-token", "grafana-cloud-api-token", "grafana-api-key"),
    ),
    _rule(
        "sentry-token",
        "a Sentry token",
        r"\bsntryu_[a-f0-9]{64}\b|\bsntrys_eyJ[A-Za-z0-9+/=_]{40,}",
        ("sntryu_", "sntrys_"),
        ("sentry-user-token", "sentry-org-token"),
    ),
    _rule(
        "new-relic-user-api-key",
        "a New Relic user API key",
        r"\bNRAK-[A-Z0-9]{27}\b",
        ("NRAK-",),
        "new-relic-user-api-key",
    ),
    _rule(
        "dynatrace-api-token",
        "a Dynatrace API token",
        r"\bdt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}\b",
        ("dt0c01.",),
        "dynatrace-api-token",
    ),
    # --- AI APIs -------------------------------------------------------------------------------
    _rule(
        "anthropic-api-key",
        "an Anthropic API key",
        r"\bsk-ant-(?:api|admin)\d\d-[\w-]{80,}",
        ("sk-ant-",),
        ("anthropic-api-key", "anthropic-admin-api-key"),
    ),
    _rule(
        "openai-api-key",
        "an OpenAI API key",
        r"\bsk-(?:proj|svcacct|admin)-[\w-]{40,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b",
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ"),
        "openai-api-key",
    ),
    _rule(
        "huggingface-access-token", "a Hugging Face token", r"\bhf_[A-Za-z]{34}\b", ("hf_",), "huggingface-access-token"
    ),
    # --- tokens in general ---------------------------------------------------------------------
    _rule("jwt", "a JSON Web Token", r"\beyJ[\w-]{15,}\.eyJ[\w-]{15,}\.[\w-]*", ("eyJ",), "jwt"),
    # --- credentials in commands, headers and URLs ----------------------------------------------
    _rule(
        "password-in-url",
        "a password in a URL",
        r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:(?P<secret>[^/\s@]+)@",
        ("://",),
        accept=not_placeholder,
        flags=_I,
    ),
    _rule(
        "authorization-header",
        "a credential in an Authorization header",
        r"\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:basic|bearer|token|digest)\s+"
        r"(?P<secret>[A-Za-z0-9+/=._~-]{8,})",
        ("authorization",),
        "curl-auth-header",
        not_placeholder,
        _I,
    ),
    _rule(
        "curl-auth-user",
        "a user and password given to curl",
        r"\bcurl\b[^\n]*?\s(?:-u|--user)(?:=|\s+)[\"']?[^\s\"':]*:(?P<secret>[^\s\"']+)",
        ("curl",),
        "curl-auth-user",
        not_placeholder,
    ),
    _rule(
        "netrc-password",
        "a password in a .netrc entry",
        r"\bmachine\s+\S+\s+login\s+\S+\s+password\s+(?P<secret>\S+)",
        ("machine",),
        accept=not_placeholder,
    ),
    _rule(
        "password-flag",
        "a password on a command line",
        r"(?:\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?\s(?:-p|--password=)"
        r"|\b(?:sshpass|redis-cli)\b[^\n]*?\s-[pa]\s+|\b(?:requirepass|masterauth)\s+"
        r"|(?:^|\s)--(?:password|passwd|pass|token|secret|api-key|auth-token)(?:=|\s+))"
        r"[\"']?(?P<secret>[^\s'\"-][^\s'\"]*)",
        (
            "mysql",
            "mariadb",
            "sshpass",
            "redis-cli",
            "requirepass",
            "masterauth",
            "--pass",
            "--token",
            "--secret",
            "--api-key",
            "--auth-token",
        ),
        accept=not_placeholder,
    ),
    # --- values under key-like names: the generic rules, last ------------------------------------
    _rule(
        "password-assignment",
        "a password under a password-like name",
        r"(?P<key>(?<![\w./-])[\w./-]{0,40}(?:passw(?:or)?d|passphrase|pwd|pass)[\w.-]{0,20})" + _ASSIGN,
        ("passw", "passphrase", "pwd", "pass"),
        "database-password",
        password_under_key,
        _I,
    ),
    _rule(
        "secret-assignment",
        "a high-entropy value under a key-like name",
        r"(?P<key>(?<![\w./-])[\w./-]{0,40}(?:token|secret|key|credential|creds|auth)[\w.-]{0,20})" + _ASSIGN,
        ("token", "secret", "key", "credential", "creds", "auth:", "auth=", 'auth"', "auth'", "auth "),
        "generic-api-key",
        secret_under_key,
        _I,
    ),
)

COMMIT_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("Commit", "hash"),
        ("Commit", "reverted_by"),
        ("Audit", "commits"),
        ("Finding", "commits"),
        ("Evidence", "commit"),
    }
)
"""(model, field) of every field that holds commit hashes: the only place a hash is exempt."""
