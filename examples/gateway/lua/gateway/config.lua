-- The upstream servers and their weights. They start from a static list and can be replaced at
-- run time through the admin endpoint, whose body has one "host weight" pair per line.
local _M = {}

local servers = {
  { host = "10.0.0.1:8080", weight = 5 },
  { host = "10.0.0.2:8080", weight = 3 },
  { host = "10.0.0.3:8080", weight = 2 },
}

function _M.servers()
  return servers
end

-- Parses the admin API's body. Weights are taken as they come: the API promises numbers.
function _M.update(body)
  local list = {}
  for host, weight in body:gmatch("(%S+)%s+(%S+)") do
    if weight ~= 0 then
      list[#list + 1] = { host = host, weight = weight }
    end
  end
  if #list == 0 then return nil, "no servers in the update" end
  servers = list
  return #list
end

return _M
