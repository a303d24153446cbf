package stacks

import (
	"sort"
	"strings"
)

// region is an Azure region that aks-dr supports: it has three availability zones (the stamp
// spreads AKS, the firewall and the Application Gateway across zones 1-3) and a short code for
// resource names.
type region struct {
	code string
	pair string
}

// regions lists zone-redundant regions with their Azure paired region. The pair is advice (the
// secondary stack warns when it is not the primary's pair), not a requirement.
var regions = map[string]region{
	"australiaeast":      {code: "aue", pair: "australiasoutheast"},
	"brazilsouth":        {code: "brs", pair: "southcentralus"},
	"canadacentral":      {code: "cac", pair: "canadaeast"},
	"centralindia":       {code: "inc", pair: "southindia"},
	"centralus":          {code: "cus", pair: "eastus2"},
	"eastasia":           {code: "ea", pair: "southeastasia"},
	"eastus":             {code: "eus", pair: "westus"},
	"eastus2":            {code: "eus2", pair: "centralus"},
	"francecentral":      {code: "frc", pair: "francesouth"},
	"germanywestcentral": {code: "gwc", pair: "germanynorth"},
	"japaneast":          {code: "jpe", pair: "japanwest"},
	"koreacentral":       {code: "krc", pair: "koreasouth"},
	"northeurope":        {code: "ne", pair: "westeurope"},
	"norwayeast":         {code: "nwe", pair: "norwaywest"},
	"southafricanorth":   {code: "san", pair: "southafricawest"},
	"southcentralus":     {code: "scus", pair: "northcentralus"},
	"southeastasia":      {code: "sea", pair: "eastasia"},
	"swedencentral":      {code: "sdc", pair: "swedensouth"},
	"switzerlandnorth":   {code: "szn", pair: "switzerlandwest"},
	"uksouth":            {code: "uks", pair: "ukwest"},
	"westeurope":         {code: "we", pair: "northeurope"},
	"westus2":            {code: "wus2", pair: "westcentralus"},
	"westus3":            {code: "wus3", pair: "eastus"},
}

// normalizeRegion turns "East US 2" or "EastUS2" into the ARM name "eastus2".
func normalizeRegion(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// regionNames is the sorted list of supported regions, for error messages.
func regionNames() string {
	names := make([]string, 0, len(regions))
	for n := range regions {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
