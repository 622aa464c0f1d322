"""What a customer reads when their turn failed on our side: an apology, never silence."""

APOLOGY = ("Sorry, something went wrong on our side while answering you. "
           "Please try again in a few minutes.")
