#!/bin/sh
sleep 2
gobgp global rib -a ipv4 add 198.18.88.0/22
gobgp global rib -a ipv4 add 198.18.92.0/22
gobgp global rib -a ipv6 add 2001:db8:9000::/36
