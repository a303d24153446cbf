package stacks

import (
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Limits of the observability settings (issue 9), quoted by validation.
const (
	// An action group holds at most 1,000 e-mail and 1,000 webhook receivers (Azure Monitor
	// service limits, https://learn.microsoft.com/azure/azure-monitor/service-limits).
	maxAlertReceivers = 1000
	// A chaos experiment's fault duration: at least a minute, and this program keeps a drill
	// under two hours so a forgotten experiment cannot keep a region dark for long.
	minDrillFaultMinutes, maxDrillFaultMinutes = 1, 120
)

// alertWindows are the window sizes a metric alert accepts that make sense with a one-minute
// evaluation frequency (Microsoft.Insights/metricAlerts windowSize: PT1M, PT5M, PT15M, PT30M,
// PT1H, ...).
var alertWindows = []int{1, 5, 15, 30, 60}

// webTestFrequencies are the intervals a standard availability test accepts, in seconds.
var webTestFrequencies = []int{300, 600, 900}

// validateMonitoring checks the action group's receivers and the alert thresholds.
func (c *Config) validateMonitoring(v *violations) {
	m := c.Global.Monitoring
	for _, e := range m.Emails {
		if !validEmail(e) {
			v.add("alertEmails", "%q is not an e-mail address such as oncall@example.com", e)
		}
	}
	for _, w := range m.Webhooks {
		if msg := webhookProblem(w); msg != "" {
			v.add("alertWebhooks", "%q %s", w, msg)
		}
	}
	if len(m.Emails) > maxAlertReceivers {
		v.add("alertEmails", "lists %d addresses; an action group accepts at most %d", len(m.Emails), maxAlertReceivers)
	}
	if len(m.Webhooks) > maxAlertReceivers {
		v.add("alertWebhooks", "lists %d URLs; an action group accepts at most %d", len(m.Webhooks), maxAlertReceivers)
	}
	v.between("alertOriginHealthPercent", m.OriginHealthPercent, 1, 100)
	v.between("alert5xxPercent", m.Percent5xx, 1, 100)
	if !slices.Contains(alertWindows, m.WindowMinutes) {
		v.add("alertWindowMinutes", "must be one of %s (minutes), got %d", joinInts(alertWindows), m.WindowMinutes)
	}
	if !slices.Contains(webTestFrequencies, m.WebTestFrequencySeconds) {
		v.add("webTestFrequencySeconds", "must be one of %s (seconds), got %d", joinInts(webTestFrequencies), m.WebTestFrequencySeconds)
	}
}

// validateDrill checks the stamp's failover drill settings.
func (c *Config) validateDrill(v *violations) {
	v.between("drillFaultMinutes", c.Stamp.DrillFaultMinutes, minDrillFaultMinutes, maxDrillFaultMinutes)
}

// validEmail accepts a bare address (no display name) with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndex(s, "@")
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// webhookProblem says what is wrong with a webhook URL, or "" when it is an absolute https URL
// with a host: alert payloads carry resource names and must not travel in clear text.
func webhookProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "is not an absolute URL such as https://hooks.example.com/alerts"
	case u.Scheme != "https":
		return "must use https (alert payloads name your resources)"
	case u.User != nil:
		return "must not carry credentials in the URL's user part; put a token in the path or query"
	}
	return ""
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
