#include <bits/stdc++.h>
#include <doctest/doctest.h>
