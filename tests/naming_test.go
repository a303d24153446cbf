package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aks-dr/aks-dr/components/naming"
)

func TestNamesFollowAzureRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("verylongworkload", 6)
	cases := []struct {
		name    string
		kind    naming.Kind
		parts   []string
		want    string
		pattern string
	}{
		{"resource group", naming.ResourceGroup, []string{"aksdr", "eus2"}, "rg-aksdr-eus2", `^[\w.()-]{1,90}$`},
		{"key vault", naming.KeyVault, []string{"aksdr", "ab12cd", "eus2"}, "kv-aksdr-ab12cd-eus2", `^[a-z][a-z0-9-]{1,22}[a-z0-9]$`},
		{"key vault folds case", naming.KeyVault, []string{"AKSDR", "EUS2"}, "kv-aksdr-eus2", ""},
		{"registry drops separators", naming.ContainerRegistry, []string{"aks-dr", "ab12cd", "global"}, "craksdrab12cdglobal", `^[a-z0-9]{5,50}$`},
		{"front door WAF is alphanumeric", naming.FrontDoorWafPolicy, []string{"aksdr", "global"}, "fdfpaksdrglobal", `^[a-zA-Z][a-zA-Z0-9]*$`},
		{"invalid characters dropped", naming.VirtualNetwork, []string{"aks_dr!", "hub"}, "vnet-aks-dr-hub", ""},
		{"no doubled hyphens", naming.Subnet, []string{"aks--dr", "-pe-"}, "snet-aks-dr-pe", ""},
		{"dns label", naming.DNSLabel, []string{"aksdr", "cus"}, "app-aksdr-cus", `^[a-z][a-z0-9-]{1,61}[a-z0-9]$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := naming.Name(tc.kind, tc.parts...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if tc.pattern != "" {
				assert.Regexp(t, tc.pattern, got)
			}
		})
	}

	for _, kind := range []naming.Kind{naming.KeyVault, naming.ContainerRegistry, naming.Firewall, naming.FrontDoorEndpoint, naming.ClusterDNSPrefix} {
		got, err := naming.Name(kind, long, "eastus2")
		require.NoError(t, err)
		assert.LessOrEqual(t, len(got), kind.MaxLength, "%s is truncated to its limit", got)
		assert.False(t, strings.HasSuffix(got, "-"), "%s does not end with a hyphen", got)
		other, err := naming.Name(kind, long, "westus2")
		require.NoError(t, err)
		assert.NotEqual(t, got, other, "truncated names stay distinct through the hash")
		again, _ := naming.Name(kind, long, "eastus2")
		assert.Equal(t, got, again, "truncation is deterministic")
	}
}

func TestNameTooShortIsAnError(t *testing.T) {
	t.Parallel()
	_, err := naming.Name(naming.Kind{Abbreviation: "x", MinLength: 5, MaxLength: 10, AlphanumericOnly: true}, "!!")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shorter than the 5 characters")
}

func TestHashIsStableAndShort(t *testing.T) {
	t.Parallel()
	first, second := naming.Hash("a", "b"), naming.Hash("a", "b")
	assert.Equal(t, first, second)
	assert.NotEqual(t, naming.Hash("a", "b"), naming.Hash("ab"), "inputs are separated")
	assert.Len(t, naming.Hash("x"), 6)
}
