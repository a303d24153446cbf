package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunRejectsContradictoryFlags(t *testing.T) {
	for _, c := range []struct {
		o    options
		want string
	}{
		{options{real: true, simulated: true}, "exclude each other"},
		{options{up: true}, "needs -real"},
		{options{real: true, regionDown: "eastus2"}, "cannot be combined with -real"},
		{options{warm: true, regionDown: "eastus2"}, "-warm is a simulated drill of its own"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), c.o, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%+v) = %v, want an error containing %q", c.o, err, c.want)
		}
	}
}
