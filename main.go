// Command aks-dr is the Pulumi program: `pulumi up -s primary` and `pulumi up -s secondary` each
// deploy one region of the active-passive pair (see README.md).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
