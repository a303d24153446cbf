#!/usr/bin/env bash
# Moves aks-dr stacks of the two-stack layout (the primary stack held the global layer and its
# origin, the secondary stack its own origin) to the three-stack layout (a `global` stack holds
# the global layer and every origin), without replacing anything in Azure.
#
# What it does, with the Pulumi CLI logged in to the backend that holds the stacks:
#   1. creates the `global` stack if it does not exist (same backend and secrets provider
#      settings as your shell has: set PULUMI_CONFIG_PASSPHRASE for a passphrase backend);
#   2. `pulumi state move`s the shared services, Front Door, the route and the primary's origin
#      from `primary`, and the secondary's origin from `secondary`, into `global`: same URNs
#      but for the stack, so the next `pulumi up -s global` finds them and replaces nothing;
#   3. releases the old registry from Pulumi's state (moved to `global`, which cuts the primary's
#      references to it, then `pulumi state delete`d there; it stays in Azure, untouched): the
#      registry's home moves to the global layer's region, and a region is something Azure
#      cannot change on a registry. `pulumi up -s global` creates the new one; you copy your
#      images over (the script prints how) and delete the old one yourself.
#
# Before running it: replace the three stack files with this version's shape (role: stamp in
# the stamps without frontDoorPriority, globalLocation, registryReplicaLocations, primaryStack;
# Pulumi.global.yaml with `location` = your old globalLocation and `origins` carrying your
# current priorities). See README, "Moving from the two-stack layout".
#
# Usage: scripts/migrate-to-three-stacks.sh [--yes]       (from any directory)
#   PRIMARY, SECONDARY, GLOBAL override the stack names (default primary, secondary, global).
set -euo pipefail

readonly project=aks-dr
readonly primary=${PRIMARY:-primary} secondary=${SECONDARY:-secondary} global=${GLOBAL:-global}
yes=()
if [[ ${1:-} == --yes ]]; then
  yes=(--yes)
elif (($# > 0)); then
  echo "usage: $0 [--yes]" >&2
  exit 2
fi

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

# location STACK: the stamp's region from its stack file.
location() {
  awk '$1 == "aks-dr:location:" { gsub(/["\047]/, "", $2); print $2 }' "Pulumi.$1.yaml"
}
loc_primary=$(location "${primary}")
loc_secondary=$(location "${secondary}")
if [[ -z ${loc_primary} || -z ${loc_secondary} ]]; then
  echo "error: Pulumi.${primary}.yaml and Pulumi.${secondary}.yaml must set aks-dr:location" >&2
  exit 1
fi

urn() { printf 'urn:pulumi:%s::%s::%s' "$1" "${project}" "$2"; }

if ! pulumi stack ls --json | grep -q "\"name\": *\"\([^\"]*/\)\?${global}\""; then
  echo "==> pulumi stack init ${global}"
  pulumi stack init "${global}" --no-select
fi

echo "==> moving the global layer and the primary's origin from ${primary} to ${global}"
pulumi state move --source "${primary}" --dest "${global}" "${yes[@]}" \
  "$(urn "${primary}" "aks-dr:global:SharedServices::shared")" \
  "$(urn "${primary}" "aks-dr:frontdoor:GlobalFrontDoor::frontdoor")" \
  "$(urn "${primary}" "aks-dr:frontdoor:Origin::origin-${loc_primary}")" \
  "$(urn "${primary}" "aks-dr:frontdoor:Route::route")"

echo "==> moving the secondary's origin from ${secondary} to ${global}"
pulumi state move --source "${secondary}" --dest "${global}" "${yes[@]}" \
  "$(urn "${secondary}" "aks-dr:frontdoor:Origin::origin-${loc_secondary}")"

old_registry=$(pulumi stack output registryLoginServer --stack "${primary}" 2>/dev/null || true)
echo "==> releasing the old registry (${old_registry:-its login server is unknown}) from Pulumi's state; it stays in Azure"
# Moved first, so that the move (not a cascading delete) cuts the primary's references to it: the
# primary's AcrPull assignment and the workload that waits for it stay in its state, and the next
# `pulumi up -s primary` points the assignment at the new registry. Then it is forgotten, with its
# replicas and diagnostics, in the global stack, where nothing else depends on it.
registry=$(urn "${global}" "aks-dr:global:GeoRegistry::registry")
pulumi state move --source "${primary}" --dest "${global}" "${yes[@]}" \
  "$(urn "${primary}" "aks-dr:global:GeoRegistry::registry")"
pulumi state delete --stack "${global}" --target-dependents "${yes[@]}" "${registry}"

cat <<MSG

Done. Next:
  pulumi up -s ${global}        # creates the new registry in the global region; the moved resources are unchanged
  pulumi up -s ${primary}       # AcrPull and firewall rules for the new registry
  pulumi up -s ${secondary}
Then copy your images to the new registry and delete the old one:
  new=\$(pulumi stack output registryLoginServer -s ${global})
  az acr import --name "\${new%%.*}" --source ${old_registry:-<old>.azurecr.io}/<repository>:<tag>   # per image
  az acr delete --name ${old_registry%%.*}
MSG
