-- The gateway's request handler: choose an upstream for each request. (The upstreams are not
-- contacted in this demo; the answer says which one would serve the request.)
local balancer = require "gateway.balancer"
local config = require "gateway.config"

local _M = {}

function _M.route()
  local server = balancer.pick()
  ngx.header["X-Upstream"] = server.host
  ngx.say("routed to ", server.host)
end

function _M.admin()
  ngx.req.read_body()
  local count, err = config.update(ngx.req.get_body_data() or "")
  if not count then
    ngx.status = 400
    ngx.say(err)
    return
  end
  ngx.say("upstreams updated: ", count, " servers")
end

return _M
