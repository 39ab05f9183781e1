//go:build webapptest

package main

const mode = "tagged"
