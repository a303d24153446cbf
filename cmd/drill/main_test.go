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
		{options{kubernetes: "kind"}, `-kubernetes must be simulated or real, got "kind"`},
		{options{real: true, kubernetes: "real"}, "-kubernetes real runs the simulated drill's workloads"},
		{options{warm: true, regionDown: "eastus2"}, "-warm is a simulated drill of its own"},
		{options{drillStamp: "primary"}, "-drill starts a Chaos Studio experiment in real Azure: it needs -real"},
		{options{real: true, up: true, drillStamp: "primary"}, "excludes -up"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), c.o, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%+v) = %v, want an error containing %q", c.o, err, c.want)
		}
	}
}

func TestStartURLIsTheExperimentsStartAction(t *testing.T) {
	id := "/subscriptions/s/resourceGroups/rg-aksdr-eus2/providers/Microsoft.Chaos/experiments/chaos-aksdr-failover-eus2"
	want := "https://management.azure.com" + id + "/start?api-version=2024-01-01"
	if got := startURL(id); got != want {
		t.Errorf("startURL = %s, want %s", got, want)
	}
}
