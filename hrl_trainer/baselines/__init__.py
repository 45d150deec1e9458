"""The rules a person could follow (fixed splits, target-liquidity rules, the rule of thumb), their tuning and its cache."""
