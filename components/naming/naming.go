// Package naming derives Azure resource names that respect each resource type's length and
// character rules. Every physical Azure name in aks-dr comes from Name, so the rules live in one
// place and a long prefix or region can never produce a name that Azure rejects at deploy time.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Kind is an Azure resource type with its naming rules.
type Kind struct {
	// Abbreviation leads the name (Cloud Adoption Framework abbreviations, e.g. "vnet").
	Abbreviation string
	// MinLength and MaxLength bound the whole name.
	MinLength, MaxLength int
	// AlphanumericOnly drops separators: the type allows letters and digits only.
	AlphanumericOnly bool
	// Lowercase folds the name to lower case (DNS-visible names).
	Lowercase bool
}

// The resource kinds aks-dr names. Limits from "Naming rules and restrictions for Azure resources".
var (
	ResourceGroup        = Kind{Abbreviation: "rg", MinLength: 1, MaxLength: 90}
	VirtualNetwork       = Kind{Abbreviation: "vnet", MinLength: 2, MaxLength: 64}
	Subnet               = Kind{Abbreviation: "snet", MinLength: 1, MaxLength: 80}
	NetworkSecurityGroup = Kind{Abbreviation: "nsg", MinLength: 1, MaxLength: 80}
	RouteTable           = Kind{Abbreviation: "rt", MinLength: 1, MaxLength: 80}
	PublicIP             = Kind{Abbreviation: "pip", MinLength: 1, MaxLength: 80}
	Firewall             = Kind{Abbreviation: "afw", MinLength: 1, MaxLength: 56}
	FirewallPolicy       = Kind{Abbreviation: "afwp", MinLength: 1, MaxLength: 80}
	Peering              = Kind{Abbreviation: "peer", MinLength: 1, MaxLength: 80}
	ApplicationGateway   = Kind{Abbreviation: "agw", MinLength: 1, MaxLength: 80}
	AppGatewayWafPolicy  = Kind{Abbreviation: "waf", MinLength: 1, MaxLength: 128}
	FrontDoorWafPolicy   = Kind{Abbreviation: "fdfp", MinLength: 1, MaxLength: 128, AlphanumericOnly: true}
	FrontDoorProfile     = Kind{Abbreviation: "afd", MinLength: 1, MaxLength: 260}
	FrontDoorEndpoint    = Kind{Abbreviation: "fde", MinLength: 1, MaxLength: 46, Lowercase: true}
	FrontDoorOriginGroup = Kind{Abbreviation: "og", MinLength: 1, MaxLength: 90}
	FrontDoorOrigin      = Kind{Abbreviation: "origin", MinLength: 1, MaxLength: 90}
	FrontDoorRoute       = Kind{Abbreviation: "route", MinLength: 1, MaxLength: 90}
	FrontDoorSecurity    = Kind{Abbreviation: "secp", MinLength: 1, MaxLength: 260}
	KeyVault             = Kind{Abbreviation: "kv", MinLength: 3, MaxLength: 24, Lowercase: true}
	ContainerRegistry    = Kind{Abbreviation: "cr", MinLength: 5, MaxLength: 50, AlphanumericOnly: true, Lowercase: true}
	ManagedCluster       = Kind{Abbreviation: "aks", MinLength: 1, MaxLength: 63}
	ClusterDNSPrefix     = Kind{Abbreviation: "dns", MinLength: 1, MaxLength: 54, Lowercase: true}
	LogAnalytics         = Kind{Abbreviation: "log", MinLength: 4, MaxLength: 63}
	ManagedIdentity      = Kind{Abbreviation: "id", MinLength: 3, MaxLength: 128}
	PrivateEndpoint      = Kind{Abbreviation: "pep", MinLength: 2, MaxLength: 64}
	DNSLabel             = Kind{Abbreviation: "app", MinLength: 3, MaxLength: 63, Lowercase: true}
	DiagnosticSetting    = Kind{Abbreviation: "diag", MinLength: 1, MaxLength: 260}
	DataCollectionRule   = Kind{Abbreviation: "dcr", MinLength: 3, MaxLength: 64}
	DeploymentScript     = Kind{Abbreviation: "script", MinLength: 1, MaxLength: 90}

	// Observability (issue 9).
	ActionGroup     = Kind{Abbreviation: "ag", MinLength: 1, MaxLength: 260}
	MetricAlert     = Kind{Abbreviation: "alert", MinLength: 1, MaxLength: 260}
	AppInsights     = Kind{Abbreviation: "appi", MinLength: 1, MaxLength: 255}
	WebTest         = Kind{Abbreviation: "webt", MinLength: 1, MaxLength: 260}
	ChaosExperiment = Kind{Abbreviation: "chaos", MinLength: 1, MaxLength: 90}
)

// hashLength is the number of hex characters appended when a name is shortened.
const hashLength = 6

// Name joins the kind's abbreviation and parts with hyphens (or nothing, for alphanumeric-only
// kinds), drops characters the kind does not allow, and shortens a name that is too long by
// truncating it and appending a hash of the full name, so shortened names stay unique and stable.
// It fails only when the result would be shorter than the kind allows.
func Name(kind Kind, parts ...string) (string, error) {
	words := []string{kind.Abbreviation}
	for _, p := range parts {
		if w := clean(p, kind); w != "" {
			words = append(words, w)
		}
	}
	sep := "-"
	if kind.AlphanumericOnly {
		sep = ""
	}
	full := strings.Join(words, sep)
	name := full
	if len(name) > kind.MaxLength {
		keep := kind.MaxLength - hashLength - len(sep)
		name = strings.TrimRight(full[:keep], "-") + sep + Hash(full)
	}
	if len(name) < kind.MinLength {
		return "", fmt.Errorf("naming: %q is shorter than the %d characters a %s name needs", name, kind.MinLength, kind.Abbreviation)
	}
	return name, nil
}

// Hash is a short, stable hex digest of its inputs, used to make global names unique per
// subscription and stack without randomness (a random suffix would change on every preview).
func Hash(inputs ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(inputs, "\x00")))
	return hex.EncodeToString(sum[:])[:hashLength]
}

// clean keeps the characters every Azure name accepts: letters, digits, and (unless the kind
// forbids separators) single hyphens inside the word.
func clean(s string, kind Kind) string {
	if kind.Lowercase {
		s = strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case !kind.AlphanumericOnly && (r == '-' || r == '_' || r == ' ' || r == '.'):
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}
