#!/usr/bin/env bash
# What the example scripts share: a scratch folder, the frhub command, and GraphQL over curl that
# prints every answer. Sourced by try-it.sh and request.sh after they set `url`.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

frhub() { node cli/frhub.cjs "$@"; }
# gql TOKEN QUERY [VARIABLES-JSON]: prints the response; fails on GraphQL errors
gql() {
  local body
  body=$(node -e 'process.stdout.write(JSON.stringify({query: process.argv[1], variables: JSON.parse(process.argv[2] || "{}")}))' "$2" "${3:-}")
  curl -sS "$url" -H 'content-type: application/json' -H "authorization: Bearer $1" -d "$body" | tee "$work/last.json"
  echo
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (r.errors) process.exit(1)' "$work/last.json"
}
# field PATH: a value from the last response, e.g. field data.createGallery.id
field() { node -e 'let v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); for (const k of process.argv[2].split(".")) v = v[k]; console.log(v)' "$work/last.json" "$1"; }
# upload TOKEN QUERY INPUT-JSON FILE: a GraphQL multipart request with the photo at input.image (--form-string: curl -F reads ';' in a value as its own syntax)
upload() {
  curl -sS "$url" -H "authorization: Bearer $1" -H 'apollo-require-preflight: true' \
    --form-string operations="{\"query\":$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$2"),\"variables\":{\"input\":$3}}" \
    --form-string map='{"0":["variables.input.image"]}' -F 0=@"$4" | tee "$work/last.json"
  echo
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (r.errors) process.exit(1)' "$work/last.json"
}
