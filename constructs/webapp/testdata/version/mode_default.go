//go:build !webapptest

package main

const mode = "untagged"
