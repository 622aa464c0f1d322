"""Poison messages: a message a consumer fails on again and again is parked, never retried
for ever, while a database or broker that is away is waited out and never parks anything.

``rules`` tells the two kinds of failure apart, ``rabbit`` parks RabbitMQ messages in
``<queue>.parked`` and moves them back, ``cli`` lists what is parked and replays it
(``careline parked [--replay]``), ``replay`` says what a replay leaves and why.
"""
