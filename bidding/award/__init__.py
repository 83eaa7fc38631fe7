"""The award stage (issue 16 part 1): candidate publicity, objections to the result, the
award with its signed notices, and the contract (R-35..R-37)."""
